"""Pure authentication building blocks: password policy and hashing, TOTP, lockout policy."""
