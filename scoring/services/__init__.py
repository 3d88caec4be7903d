"""Services of the scoring app: everything that writes scorers, runs and scores.

Each module is imported by its own name; this package re-exports nothing."""
