"""Tests for bot.store: one behavioural suite run against every backend, plus engine specifics."""
