"""Breach-response data: US state notice rules and communication templates (TOML)."""
