"""The `privdesk` command line: `main.py` builds the parser and dispatches; one module per
command group registers its subcommands. Group modules never import `main`."""
