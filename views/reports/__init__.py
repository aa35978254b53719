"""Report rendering that needs Qt (PDF). The content (HTML) is built in app/."""
