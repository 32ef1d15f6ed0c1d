"""The CI contract gate: interactions from contracts/, Schemathesis, semantic checks and drift."""
