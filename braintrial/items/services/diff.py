"""Word-level difference of the two versions of a test case."""

from __future__ import annotations

import difflib
from typing import TypedDict


class Passage(TypedDict):
    original: str
    altered: str


def differences_compute(*, original: str, altered: str) -> list[Passage]:
    """The passages where ``altered`` departs from ``original``, in reading order.

    Tokens are white-space separated words, so punctuation stays attached to its word ("3.2%,"):
    a changed number is one passage, not three. Runs of changed words with no unchanged word
    between them form one passage. A pure insertion has ``original == ""`` and a pure deletion
    ``altered == ""``.
    """
    words_original = original.split()
    words_altered = altered.split()
    # autojunk off: in a 300-word abstract, frequent words ("the", "of") must still anchor.
    matcher = difflib.SequenceMatcher(None, words_original, words_altered, autojunk=False)
    spans: list[list[int]] = []  # [i1, i2, j1, j2] per merged passage
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if spans and spans[-1][1] == i1 and spans[-1][3] == j1:
            spans[-1][1] = i2
            spans[-1][3] = j2
        else:
            spans.append([i1, i2, j1, j2])
    return [
        Passage(
            original=" ".join(words_original[i1:i2]),
            altered=" ".join(words_altered[j1:j2]),
        )
        for i1, i2, j1, j2 in spans
    ]
