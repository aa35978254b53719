"""Vendor and integration register (issue 21): vendors, certifications, reviews, the
help-desk integrations found in the Zendesk data, and the findings over them."""

import models.vendors  # noqa: F401  (registers the vd_ tables on the shared metadata)
