"""`python -m benchlab` runs the CLI."""

from benchlab.cli.entry import main

main()
