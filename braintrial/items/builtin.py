"""The project's own practice item and catch items, written for braintrial.

They are created by a data migration (so every database has them after ``migrate``) and kept by
``builtin_items_ensure``; the same key as the importers (bank, source_file, row) means running it
again updates in place. Their kind is never ``test``, so no analysis ever counts them.
"""

from __future__ import annotations

from typing import Any

BUILTIN_BANK = "braintrial"
BUILTIN_SOURCE_FILE = "braintrial-builtin"

_PRACTICE_ORIGINAL = (
    "Sleep is thought to stabilise newly formed memories, but how hippocampal activity during "
    "sleep relates to later recall remains debated. Here we recorded hippocampal local field "
    "potentials in 24 adult rats trained on a spatial alternation task and then allowed to sleep "
    "for two hours. Sharp-wave ripples during non-rapid eye movement sleep were detected online "
    "and, in half of the animals, disrupted by closed-loop stimulation of the ventral hippocampal "
    "commissure. Rats whose ripples were disrupted made more errors on the next day's test than "
    "control rats that received the same number of pulses at random delays after ripples. Across "
    "control animals, the number of ripples during sleep correlated positively with next-day "
    "performance. These results suggest that sharp-wave ripples during sleep contribute causally "
    "to the consolidation of spatial memory."
)
_PRACTICE_ALTERED = (
    "Sleep is thought to stabilise newly formed memories, but how hippocampal activity during "
    "sleep relates to later recall remains debated. Here we recorded hippocampal local field "
    "potentials in 24 adult rats trained on a spatial alternation task and then allowed to sleep "
    "for two hours. Sharp-wave ripples during non-rapid eye movement sleep were detected online "
    "and, in half of the animals, disrupted by closed-loop stimulation of the ventral hippocampal "
    "commissure. Rats whose ripples were disrupted made fewer errors on the next day's test than "
    "control rats that received the same number of pulses at random delays after ripples. Across "
    "control animals, the number of ripples during sleep correlated negatively with next-day "
    "performance. These results suggest that sharp-wave ripples during sleep interfere with "
    "the consolidation of spatial memory."
)

_CATCH_VISION_ORIGINAL = (
    "Neurons in primary visual cortex respond selectively to the orientation of edges, yet how "
    "stable this selectivity is across days in awake animals is not well known. We used "
    "two-photon calcium imaging to follow 1,200 neurons in layer 2/3 of primary visual cortex of "
    "8 awake mice over two weeks while they viewed drifting gratings. Of the 1,200 imaged "
    "neurons, 490 (41%) were orientation selective on the first day. Their preferred orientation "
    "changed by less than 15 degrees between sessions in most cells, whereas the strength of "
    "their responses varied considerably from day to day. Selectivity was most stable in neurons "
    "with strong coupling to the local population. These findings indicate that the feature a "
    "cortical neuron encodes can remain fixed while its response gain drifts."
)
# Plainly wrong to any reader: more selective neurons than imaged ones, a share above 100%.
_CATCH_VISION_ALTERED = _CATCH_VISION_ORIGINAL.replace(
    "Of the 1,200 imaged neurons, 490 (41%) were orientation selective",
    "Of the 1,200 imaged neurons, 3,400 (283%) were orientation selective",
)

_CATCH_MEMORY_ORIGINAL = (
    "Working memory capacity is limited, and prefrontal and parietal regions are thought to "
    "support the maintenance of several items at once. Thirty-two healthy adults (18 female; aged "
    "19 to 34 years) performed a visual working memory task with one to six coloured squares "
    "while undergoing functional magnetic resonance imaging. Accuracy declined from 95% at a load "
    "of one item to 68% at a load of six items. Activity in the intraparietal sulcus rose with "
    "load and reached a plateau at about four items, matching each participant's estimated "
    "capacity. Dorsolateral prefrontal activity, by contrast, kept increasing beyond that point. "
    "These results suggest that parietal cortex tracks the number of items held in memory, while "
    "prefrontal cortex reflects the effort of trying to hold more."
)
# Plainly wrong to any reader: impossible ages and an accuracy above 100%.
_CATCH_MEMORY_ALTERED = _CATCH_MEMORY_ORIGINAL.replace(
    "aged 19 to 34 years", "aged 190 to 340 years"
).replace("to 68% at a load of six items", "to 140% at a load of six items")

# (row, kind, journal_section, original, altered); rows are fixed forever: they are the key.
BUILTIN_ITEMS: tuple[tuple[int, str, str, str, str], ...] = (
    (1, "practice", "Behavioral/Cognitive", _PRACTICE_ORIGINAL, _PRACTICE_ALTERED),
    (2, "catch", "Systems/Circuits", _CATCH_VISION_ORIGINAL, _CATCH_VISION_ALTERED),
    (3, "catch", "Behavioral/Cognitive", _CATCH_MEMORY_ORIGINAL, _CATCH_MEMORY_ALTERED),
)


def builtin_items_ensure(*, item_model: Any, using: str = "default") -> int:
    """Create or update the built-in items; returns how many rows were created.

    ``item_model`` is the Item class: the live one, or the historical one inside a migration.
    """
    # Imported here: the services import this module's constants.
    from braintrial.items.services.diff import differences_compute

    created_count = 0
    for row, kind, section, original, altered in BUILTIN_ITEMS:
        _, created = item_model.objects.db_manager(using).update_or_create(
            bank=BUILTIN_BANK,
            source_file=BUILTIN_SOURCE_FILE,
            row=row,
            defaults={
                "kind": kind,
                "source": "human",
                "abstract_id": None,
                "doi": "",
                "journal_section": section,
                "original": original,
                "altered": altered,
                "differences": differences_compute(original=original, altered=altered),
                "defect": "",
            },
        )
        created_count += int(created)
    return created_count
