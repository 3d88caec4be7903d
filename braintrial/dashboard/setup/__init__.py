"""Study setup pages: a study's settings, its item bank and its researchers."""
