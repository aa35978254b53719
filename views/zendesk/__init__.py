"""Workspace → Connect to Zendesk… and Sync now (issue 18)."""
