"""Saved, re-runnable searches: strategies, one client per API, de-duplication and intake,
the search log and run files, RIS export and screening import. Only the CLI calls it."""
