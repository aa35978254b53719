"""What every screen shares: the Pane base class, layout helpers and widgets, the row table
model, and how errors are worded and routed."""
