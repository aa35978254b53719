"""Everything before the main window: workspace picker, unlock, first-run wizard, sign-in."""
