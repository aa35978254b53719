"""The audit log pane: filtered events, chain verification, CSV export."""
