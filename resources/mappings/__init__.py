"""Default CSV column mappings (TOML), read with importlib.resources."""
