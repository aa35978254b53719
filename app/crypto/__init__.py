"""Key envelope: wrapping the database key, passphrase stretching, recovery codes."""
