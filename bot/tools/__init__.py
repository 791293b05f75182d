"""Tools for measuring the core: the labelled question sets (evaluation, wild_evaluation)
that tests/core and benchmarks/ score the engine on. On the core only: no Discord, no store."""
