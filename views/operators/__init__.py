"""The operators pane and its dialogs (administrators: who may sign in, with which roles)."""
