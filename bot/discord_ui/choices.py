"""The slash-command choices for platform and region, defined once.

Their values (desktop/mobile/ios/android; us/eu/uk/ch/ca/hk/other) are a promise to
users and other code; every command that offers them imports this list.
"""

from __future__ import annotations

from discord import app_commands

PLATFORM_CHOICES = [
    app_commands.Choice(name="Desktop (web browser)", value="desktop"),
    app_commands.Choice(name="Mobile app (any phone)", value="mobile"),
    app_commands.Choice(name="iPhone or iPad app", value="ios"),
    app_commands.Choice(name="Android app", value="android"),
]
REGION_CHOICES = [
    app_commands.Choice(name="United States", value="us"),
    app_commands.Choice(name="EU / EEA", value="eu"),
    app_commands.Choice(name="United Kingdom", value="uk"),
    app_commands.Choice(name="Switzerland", value="ch"),
    app_commands.Choice(name="Canada", value="ca"),
    app_commands.Choice(name="Hong Kong", value="hk"),
    app_commands.Choice(name="Somewhere else", value="other"),
]
