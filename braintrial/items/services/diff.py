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


class Segment(TypedDict):
    text: str
    differs: bool


def segments_compute(*, first: str, second: str) -> tuple[list[Segment], list[Segment]]:
    """Both texts cut into runs of words, each run marked where it differs from the other text.

    The same word matching as ``differences_compute``, applied to the two texts alike, so that
    neither version's marking says which one is the original. Runs are joined by single spaces.
    """
    words_first, words_second = first.split(), second.split()
    matcher = difflib.SequenceMatcher(None, words_first, words_second, autojunk=False)
    runs_first: list[Segment] = []
    runs_second: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        differs = tag != "equal"
        for runs, words in ((runs_first, words_first[i1:i2]), (runs_second, words_second[j1:j2])):
            if not words:
                continue
            text = " ".join(words)
            if runs and runs[-1]["differs"] == differs:
                runs[-1]["text"] += " " + text
            else:
                runs.append(Segment(text=text, differs=differs))
    return runs_first, runs_second
