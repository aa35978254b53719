"""Access review: effective permissions, findings, campaigns, evidence (issue 6)."""

from __future__ import annotations

import models.review  # noqa: F401  (registers the ar_ tables with the metadata)
from app.review.queries import CampaignLocked, ReviewError
from app.review.service import ReviewService

__all__ = ["CampaignLocked", "ReviewError", "ReviewService"]
