"""`python -m app`: the headless command line (no GUI, no PDF, no Qt check); `privdesk`
and `python -m views` are the full program."""

from app.cli.entry import main

raise SystemExit(main())
