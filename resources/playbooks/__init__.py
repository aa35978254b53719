"""Built-in incident-response playbooks (TOML), read with importlib.resources."""
