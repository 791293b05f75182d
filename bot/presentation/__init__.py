"""Presentation: an Answer laid out within Discord's limits (embed, phone-first message,
Details), as terminal text and as the `ask --json` line. Built on the core only; needs
nothing but the Answer."""
