"""Discord extensions; each module ends with its `setup()` and is listed in bot.app.EXTENSIONS."""
