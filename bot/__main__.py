"""`python -m bot` is the same as the `optout-bot` command."""

from bot.cli import main

raise SystemExit(main())
