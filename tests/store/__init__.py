"""Tests for bot.store: one behavioural suite run against both backends, plus SQLite specifics."""
