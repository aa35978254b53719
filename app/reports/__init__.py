"""Report rendering shared by the features' reports (HTML from templates in resources/)."""
