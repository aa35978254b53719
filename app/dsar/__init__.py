"""DSAR queue (issue 7): intake, deadlines, verification, locate, export, erasure."""
