"""Retention policies that delete, anonymise or flag for review, and legal holds (issue 19)."""
