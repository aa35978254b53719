"""The built-in vendor security questionnaire (TOML), editable as data."""
