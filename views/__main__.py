"""`python -m views`: the same as `privdesk` (no command opens the GUI)."""

from views.launch import main

raise SystemExit(main())
