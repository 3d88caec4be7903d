"""The names of the item banks the project fills itself.

Imports nothing: the Item and Study models take their default bank from here, and the published
data's importers (``braintrial.brainbench``, above this app) read the same spelling.
"""

from __future__ import annotations

# The bank the published BrainBench test cases live in; also the default bank of Item and Study.
PUBLISHED_BANK = "brainbench"
