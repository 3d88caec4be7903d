"""The stored coverages (analysis.science.coverage): what the page and docs/science.md say is
what the slow simulations measured, in words that say which way an interval errs."""

from __future__ import annotations

from pathlib import Path

from braintrial.analysis.science.coverage import COVERAGES, N_STUDIES, SEED, Coverage

DOCS = Path(__file__).resolve().parents[3] / "docs" / "science.md"


def test_the_words_say_which_way_an_interval_errs_and_by_how_much() -> None:
    assert Coverage(0.89).words() == (
        "held the true value in 89.0% of 400 simulated studies: it errs narrow, "
        "6.0 points short of 95%"
    )
    assert Coverage(0.985).words().endswith("it errs wide, 3.5 points above 95%")
    assert Coverage(0.9325).words().endswith(": calibrated")
    assert Coverage(0.9325).label() == "93.2%: calibrated"
    assert Coverage(0.998).label() == "99.8%: errs wide"


def test_every_stored_coverage_was_measured_and_is_in_the_docs() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    assert f"seed {SEED}" in docs and f"{N_STUDIES} simulated studies" in docs
    for key, coverage in COVERAGES.items():
        assert 0.5 < coverage.measured <= 1.0, key  # no placeholder left
        assert coverage.label() in docs, key
