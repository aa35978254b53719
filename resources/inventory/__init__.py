"""The starting data inventory for a Zendesk help desk (TOML), installed on first use."""
