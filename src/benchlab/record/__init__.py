"""The experiment record: run-directory layout, atomic writes, the typed results file.

A leaf package: it imports nothing of benchlab but `errors`, so the runner (which writes
records) and the report (which reads them) share it without importing each other.
"""
