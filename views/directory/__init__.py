"""The directory pane: the people of the latest help-desk snapshot."""
