"""How often each interval the science page shows held the truth in simulation: one place.

Each figure is measured by a slow simulation test on the published design (its participants,
items and answers per item kept; effects drawn from the published fit), which asserts that the
figure stored here is the one it measures. The page's wording (how often, which way it errs and
by how much) and docs/science.md's coverage table are written from these figures, so the day a
change moves a coverage, the test that measures it fails until the figure here (and the docs)
are updated with it.
"""

from __future__ import annotations

from dataclasses import dataclass

NOMINAL = 0.95
# A 95% interval is called calibrated where it held the truth in 93-97% of the simulated studies
# (about two Monte Carlo standard errors either side of 95% at 400 studies).
CALIBRATED = (0.93, 0.97)
# The tests that measure the figures: the simulation seed and the number of studies.
SEED = 29
N_STUDIES = 400
TEST = "tests/analysis/science/test_coverage.py"


@dataclass(frozen=True)
class Coverage:
    """The share of simulated studies whose 95% interval held the true value."""

    measured: float
    n_studies: int = N_STUDIES
    seed: int = SEED
    test: str = TEST
    # What was counted where a study has several intervals, e.g. "the 4 families' intervals in".
    counted: str = ""

    @property
    def errs(self) -> str:
        """'narrow' (holds the truth less often than 95%), 'wide' (more often) or ''."""
        if self.measured < CALIBRATED[0]:
            return "narrow"
        if self.measured > CALIBRATED[1]:
            return "wide"
        return ""

    @property
    def percent(self) -> str:
        return f"{100 * self.measured:.1f}%"

    def words(self) -> str:
        """E.g. "held the true value in 89.0% of 400 simulated studies: it errs narrow, 6.0
        points short of 95%"."""
        of = f"{self.counted} " if self.counted else ""
        said = f"held the true value in {self.percent} of {of}{self.n_studies:,} simulated studies"
        gap = abs(self.measured - NOMINAL) * 100
        if self.errs == "narrow":
            return f"{said}: it errs narrow, {gap:.1f} points short of 95%"
        if self.errs == "wide":
            return f"{said}: it errs wide, {gap:.1f} points above 95%"
        return f"{said}: calibrated"

    def label(self) -> str:
        """A table cell, e.g. "89.0%: errs narrow"."""
        return f"{self.percent}: errs {self.errs}" if self.errs else f"{self.percent}: calibrated"


# Keyed by what the report calls each interval (ScienceSource's keys; 'models' the models'
# analysis of variance, 'gap' the models' lead over the experts).
FAMILIES = "the 4 families' intervals in"
COVERAGES: dict[str, Coverage] = {
    "wilson": Coverage(0.89),
    "bootstrap_items": Coverage(0.935),
    "bootstrap_participants": Coverage(0.8825),
    "bootstrap_crossed": Coverage(0.9975),
    "mixed": Coverage(0.9325),
    "models": Coverage(0.9475),
    "gap": Coverage(0.985),
    # Each family's accuracy and its lead over the experts (the paper's 15 LLMs in their 4
    # families): with no family effect (as on the published answers), and with families
    # differing by 0.5 logits.
    "families": Coverage(0.96, counted=FAMILIES),
    "families_gap": Coverage(0.9775, counted=FAMILIES),
    "families_differ": Coverage(0.95125, counted=FAMILIES),
    "families_differ_gap": Coverage(0.97, counted=FAMILIES),
}


def coverage_words() -> dict[str, dict[str, str]]:
    """Every stored coverage as the page shows it: {key: {percent, errs, words, label}}."""
    return {
        key: {"percent": c.percent, "errs": c.errs, "words": c.words(), "label": c.label()}
        for key, c in COVERAGES.items()
    }
