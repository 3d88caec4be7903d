"""Item bank services: diff of the two versions, import of test-case CSV files.

Each module is imported by its own name; this package re-exports nothing."""
