"""Monitoring pane: alert queue, evidence, access volume chart, log review."""
