"""The paper's guidelines for an altered version, as checks: pure, nothing stored.

An author marks the results passage of the original abstract (``abstract[start:end]``, in
characters) and writes the altered abstract. The change must stay inside the passage, the two
versions may differ in length by at most a share of the original's, and the altered version is
not the original. Human drafts that fail a check are refused; a model's draft that fails one is
kept with the messages, for its author to fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from braintrial.workbench.sources import MAX_ABSTRACT, text_collapse


class AuthoringError(ValueError):
    """What the author sent cannot be checked or stored; ``messages`` say why."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Passage:
    """A checked passage of an abstract: ``abstract[start:end]``."""

    start: int
    end: int


def passage_check(*, abstract: str, start: object, end: object) -> Passage:
    """The marked passage, checked against the abstract; AuthoringError when none is marked,
    when it lies outside the abstract, or when it is only white space."""
    if start in (None, "") or end in (None, ""):
        raise AuthoringError(
            ["Mark the results passage: select it in the original abstract first."]
        )
    try:
        first, last = int(str(start)), int(str(end))
    except ValueError as exc:
        raise AuthoringError(["The passage's start and end must be whole numbers."]) from exc
    if not 0 <= first < last <= len(abstract):
        raise AuthoringError(
            [
                f"The passage ({first} to {last}) is not inside the abstract, which has "
                f"{len(abstract):,} characters."
            ]
        )
    if not abstract[first:last].strip():
        raise AuthoringError(["The marked passage holds no words: mark the results passage."])
    return Passage(first, last)


def altered_clean(text: str) -> str:
    """The altered abstract as stored: white space collapsed as the import collapsed the
    original's (a text box's line breaks are not a change); AuthoringError when empty, too
    long or holding a NUL character."""
    value = text_collapse(text or "")
    if not value:
        raise AuthoringError(["Write the altered version."])
    if "\x00" in value:
        raise AuthoringError(["The altered version contains a NUL character."])
    if len(value) > MAX_ABSTRACT:
        raise AuthoringError([f"The altered version is longer than {MAX_ABSTRACT:,} characters."])
    return value


def _outside_change(*, original: str, passage: Passage, altered: str) -> int | None:
    """The first character (of the original) outside the passage that the altered version
    changes, or None when the text before and after the passage is kept as it is."""
    before, after = original[: passage.start], original[passage.end :]
    for index, (a, b) in enumerate(zip(before, altered, strict=False)):
        if a != b:
            return index
    if len(altered) < len(before):
        return len(altered)
    kept_tail = altered[len(before) :]
    if len(kept_tail) < len(after) or not kept_tail.endswith(after):
        # Walk back from the end to find where the tail stops matching.
        for offset in range(1, len(after) + 1):
            if offset > len(kept_tail) or kept_tail[-offset] != after[-offset]:
                return len(original) - offset
    return None


def draft_checks(
    *, original: str, passage: Passage, altered: str, max_length_change_percent: int
) -> list[str]:
    """The guidelines the altered version fails, one message each; empty when it passes."""
    failed: list[str] = []
    if altered == original:
        failed.append("The altered version is the original: change the results it reports.")
        return failed
    outside = _outside_change(original=original, passage=passage, altered=altered)
    if outside is not None:
        failed.append(
            f"The altered version changes the text outside the marked passage (from character "
            f"{outside:,} of the original, the passage being {passage.start:,} to "
            f"{passage.end:,}): only the results passage may change."
        )
    change = abs(len(altered) - len(original))
    if change * 100 > max_length_change_percent * len(original):
        share = 100 * change / len(original)
        failed.append(
            f"The versions differ in length by {change:,} characters ({share:.1f}% of the "
            f"original); this bank allows at most {max_length_change_percent}%."
        )
    return failed
