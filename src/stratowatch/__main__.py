"""`python -m stratowatch` runs the command line."""

from stratowatch.cli import main

raise SystemExit(main())
