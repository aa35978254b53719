"""Data files for the demo generator (app.demodata): the ticket text."""
