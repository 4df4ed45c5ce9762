"""Runs a plan: executors, passes, resume by content, provenance, progress; writes records."""
