"""`python -m benchlab` runs the CLI."""

from benchlab.cli.main import app

app()
