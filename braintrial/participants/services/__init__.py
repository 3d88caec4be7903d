"""Writes of the participant flow. Every write is a conditional UPDATE or an INSERT guarded by a
unique constraint, so a repeated request (double click, reload, retry) changes nothing.

Each module is imported by its own name; this package re-exports nothing."""
