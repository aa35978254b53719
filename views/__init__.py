"""Qt (PySide6) widgets, item models and dialogs. Talks only to app/."""
