"""Deterministic, Zendesk-shaped demo export with labelled PII and decoys (no Qt, no DB).

`generate(out_dir)` writes the NDJSON account-export files, `account_settings.json`, an HR
`roster.csv` and `planted.json` (the labels), and returns a `DemoSummary`. See
`app.demodata.generator` for the file formats.
"""

from __future__ import annotations

from app.demodata.generator import DEFAULT_NOW, FILES, DemoSummary, generate

__all__ = ["DEFAULT_NOW", "FILES", "DemoSummary", "generate"]
