"""The Compliance pane: policies, evidence packs, the trust summary (issue 21)."""
