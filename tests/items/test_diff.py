"""The word-level diff of the two versions, on hand-made examples."""

from __future__ import annotations

from braintrial.items.services.diff import differences_compute


def test_single_changed_word_is_one_passage() -> None:
    assert differences_compute(
        original="Firing rates increased after training.",
        altered="Firing rates decreased after training.",
    ) == [{"original": "increased", "altered": "decreased"}]


def test_adjacent_changed_words_are_merged_into_one_passage() -> None:
    assert differences_compute(
        original="The effect was strong in young mice only.",
        altered="The effect was absent among old rats only.",
    ) == [{"original": "strong in young mice", "altered": "absent among old rats"}]


def test_separate_changes_stay_separate_and_in_reading_order() -> None:
    assert differences_compute(
        original="Dopamine rose in the striatum and fell in the cortex.",
        altered="Dopamine fell in the striatum and rose in the cortex.",
    ) == [
        {"original": "rose", "altered": "fell"},
        {"original": "fell", "altered": "rose"},
    ]


def test_insertion_and_deletion_have_an_empty_side() -> None:
    assert differences_compute(
        original="Responses were reliable.", altered="Responses were not reliable."
    ) == [{"original": "", "altered": "not"}]
    assert differences_compute(
        original="Responses were not reliable.", altered="Responses were reliable."
    ) == [{"original": "not", "altered": ""}]


def test_punctuation_stays_with_its_word_and_white_space_is_normalised() -> None:
    assert differences_compute(
        original="Accuracy was 72%,\nabove chance.", altered="Accuracy was  48%, above chance."
    ) == [{"original": "72%,", "altered": "48%,"}]


def test_identical_versions_have_no_differences() -> None:
    assert differences_compute(original="Same text.", altered="Same  text.") == []
