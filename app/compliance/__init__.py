"""Compliance (issue 21): policies and acknowledgements, control-mapped evidence packs,
the customer trust summary."""

import models.compliance  # noqa: F401  (registers the cp_ tables on the shared metadata)
