"""Word-level difference of the two versions of a test case, at a bounded cost.

Tokens are white-space separated words. The words both versions share at the start and at the
end are set aside first (linear), and the middle is compared with Myers' O((N+M)·D) algorithm,
where D is the number of words deleted plus inserted: near-linear for two versions of one
abstract, which differ in a few words (at most 37 over the 300 published BrainBench items).
Past ``MAX_EDITS`` the search stops, and the whole middle is reported as one differing passage:
so the cost of a pair is at most O((N+M)·MAX_EDITS), whatever the text. (difflib's matcher, used
before, took 3 to 4 s for two 6,000-word versions that differed in one word.) The import refuses
versions over ``items.services.parsing.MAX_ABSTRACT_WORDS`` words, which bounds N and M.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

# Words deleted plus inserted before the comparison gives up on finer passages (5x the most
# any published item needs).
MAX_EDITS = 200


class Passage(TypedDict):
    original: str
    altered: str


def _matches(a: Sequence[str], b: Sequence[str], max_edits: int) -> list[tuple[int, int]] | None:
    """Index pairs (i, j) of the words a shortest edit script keeps, in order; None when more
    than ``max_edits`` deletions and insertions are needed (Myers 1986, greedy forward search;
    ``trace`` keeps each round's furthest points for the walk back, O(D²) memory)."""
    n, m = len(a), len(b)
    offset = max_edits + 1
    furthest = [0] * (2 * max_edits + 3)
    trace: list[list[int]] = []
    for d in range(max_edits + 1):
        trace.append(furthest.copy())
        for k in range(-d, d + 1, 2):
            down = k == -d or (k != d and furthest[k - 1 + offset] < furthest[k + 1 + offset])
            x = furthest[k + 1 + offset] if down else furthest[k - 1 + offset] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            furthest[k + offset] = x
            if x >= n and y >= m:
                return _walk_back(trace, n, m, offset)
    return None


def _walk_back(trace: list[list[int]], n: int, m: int, offset: int) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    x, y = n, m
    for d in range(len(trace) - 1, -1, -1):
        furthest = trace[d]
        k = x - y
        down = k == -d or (k != d and furthest[k - 1 + offset] < furthest[k + 1 + offset])
        prev_k = k + 1 if down else k - 1
        prev_x = furthest[prev_k + offset]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            x, y = x - 1, y - 1
            kept.append((x, y))
        x, y = prev_x, prev_y
    kept.reverse()
    return kept


def word_opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[bool, int, int, int, int]]:
    """(equal, i1, i2, j1, j2) runs covering both word lists in order, as difflib's opcodes with
    every change a single run: ``a[i1:i2]`` became ``b[j1:j2]`` unless ``equal``."""
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    kept = _matches(middle_a, middle_b, MAX_EDITS)
    if kept is None:
        kept = []  # too different to be worth a finer answer: the middle is one change
    runs: list[tuple[bool, int, int, int, int]] = []
    i = j = 0
    for x, y in [*kept, (len(middle_a), len(middle_b))]:
        if (x, y) != (i, j):
            runs.append((False, head + i, head + x, head + j, head + y))
        if x < len(middle_a):
            if runs and runs[-1][0] and runs[-1][2] == head + x:
                last = runs[-1]
                runs[-1] = (True, last[1], last[2] + 1, last[3], last[4] + 1)
            else:
                runs.append((True, head + x, head + x + 1, head + y, head + y + 1))
        i, j = x + 1, y + 1
    if head:
        runs.insert(0, (True, 0, head, 0, head))
    if tail:
        runs.append((True, len(a) - tail, len(a), len(b) - tail, len(b)))
    return _merged(runs)


def _merged(
    runs: list[tuple[bool, int, int, int, int]],
) -> list[tuple[bool, int, int, int, int]]:
    merged: list[tuple[bool, int, int, int, int]] = []
    for run in runs:
        if merged and merged[-1][0] == run[0]:
            last = merged[-1]
            merged[-1] = (run[0], last[1], run[2], last[3], run[4])
        else:
            merged.append(run)
    return merged


def differences_compute(*, original: str, altered: str) -> list[Passage]:
    """The passages where ``altered`` departs from ``original``, in reading order.

    Tokens are white-space separated words, so punctuation stays attached to its word ("3.2%,"):
    a changed number is one passage, not three. Runs of changed words with no unchanged word
    between them form one passage. A pure insertion has ``original == ""`` and a pure deletion
    ``altered == ""``.
    """
    words_original = original.split()
    words_altered = altered.split()
    return [
        Passage(
            original=" ".join(words_original[i1:i2]),
            altered=" ".join(words_altered[j1:j2]),
        )
        for equal, i1, i2, j1, j2 in word_opcodes(words_original, words_altered)
        if not equal
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
    runs_first: list[Segment] = []
    runs_second: list[Segment] = []
    for equal, i1, i2, j1, j2 in word_opcodes(words_first, words_second):
        for runs, words in ((runs_first, words_first[i1:i2]), (runs_second, words_second[j1:j2])):
            if not words:
                continue
            text = " ".join(words)
            if runs and runs[-1]["differs"] == (not equal):  # an insertion on the other side
                runs[-1]["text"] += " " + text
            else:
                runs.append(Segment(text=text, differs=not equal))
    return runs_first, runs_second
