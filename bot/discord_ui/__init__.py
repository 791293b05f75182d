"""Discord rendering and controls for Answers; the cogs route, this package draws."""
