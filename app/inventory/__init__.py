"""Data inventory, records of processing (GDPR Art. 30) and discovery scans (issue 19)."""
