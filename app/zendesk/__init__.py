"""The Zendesk REST API connector (issue 18): connection, HTTP client, sync."""
