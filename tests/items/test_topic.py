"""An abstract's topic on the results page: its opening words that both versions share."""

from __future__ import annotations

from braintrial.items.selectors import Topic, item_topic


def test_the_topic_is_the_first_shared_sentence() -> None:
    original = "Sleep consolidates memory. In mice, recall rose after sleep."
    altered = "Sleep consolidates memory. In mice, recall fell after sleep."
    assert item_topic(original=original, altered=altered) == Topic(
        "Sleep consolidates memory.", False
    )


def test_the_topic_stops_before_the_first_difference_and_at_twelve_words() -> None:
    original = (
        "Dopamine neurons increased firing when the reward came later than the cue predicted."
    )
    altered = "Dopamine neurons decreased firing when the reward came later than the cue predicted."
    assert item_topic(original=original, altered=altered) == Topic("Dopamine neurons", True)
    long = " ".join(f"w{n}" for n in range(30))
    assert item_topic(original=long, altered=long).text.split() == [f"w{n}" for n in range(12)]
    assert item_topic(original="Up here.", altered="Down here.") == Topic("", False)
