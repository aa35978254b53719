"""Monitoring: detection rules over who looks at what, alerts, and log review."""

import models.monitoring  # noqa: F401  (registers the mon_ tables on the shared metadata)
