"""Offline resources for the quick profile: tiny models and generated tasks, built on first use."""
