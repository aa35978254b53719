"""Jinja2 templates of the HTML reports, rendered by app/reports/templates.py."""
