"""The Data inventory pane (issue 19): inventory tables, discovery heat map, retention."""
