"""The security pane: keyring state, backups, key rotation, idle lock."""
