"""Data files (word lists, icons, styles, playbooks) read through importlib.resources."""
