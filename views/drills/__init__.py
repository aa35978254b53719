"""The incident drills pane (pane.py) and its tabs: playbooks, runs, team, trends."""
