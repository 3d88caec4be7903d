"""Importers of the published data, one module per file of it; each returns a report.

Each module is imported by its own name; this package re-exports nothing."""
