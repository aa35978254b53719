"""Incident drills and real incidents: playbooks, runs, breach records, clocks, AAR.

Services (all check DRILLS_VIEW / DRILLS_RUN and audit in the same transaction):
`PlaybookService`, `RosterService` (library), `RunService` (runs), `BreachService`
(breach), `AarService` (aar). Clocks (`app.drills.clocks`) are pure functions.
"""
