"""The marked runs of both versions of an item (the optional highlighting of differences)."""

from __future__ import annotations

from braintrial.items.services.diff import segments_compute


def test_a_changed_number_is_marked_in_both_texts() -> None:
    first, second = segments_compute(
        first="Firing rose by 12% in mice.", second="Firing fell by 30% in mice."
    )
    assert first == [
        {"text": "Firing", "differs": False},
        {"text": "rose", "differs": True},
        {"text": "by", "differs": False},
        {"text": "12%", "differs": True},
        {"text": "in mice.", "differs": False},
    ]
    assert [s["differs"] for s in second] == [s["differs"] for s in first]
    assert " ".join(s["text"] for s in second) == "Firing fell by 30% in mice."


def test_identical_texts_have_nothing_marked() -> None:
    first, second = segments_compute(first="same words here", second="same words here")
    assert first == second == [{"text": "same words here", "differs": False}]


def test_an_insertion_is_marked_only_where_the_words_are() -> None:
    first, second = segments_compute(first="a b c", second="a b extra c")
    assert not any(s["differs"] for s in first)
    assert {"text": "extra", "differs": True} in second
