"""The experiment record: run-directory layout, atomic writes, the typed results file."""
