"""SmolLM2-135M-Instruct (the default scorer, shipped in a wheel) through the run service."""

from __future__ import annotations

import math

import pytest

from braintrial.brainbench.services.items import published_items_import
from scoring.models import Scorer
from scoring.selectors import scores_valid
from scoring.services.runs import score_run_create
from tests.scoring.helpers import run_in_process

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_default_scorer_scores_brainbench_items(brainbench_dir, settings) -> None:
    settings.SCORING_CHUNK_SIZE = 2
    published_items_import(directory=brainbench_dir)
    scorer = Scorer.objects.get(name="smollm2-135m-instruct")  # made by the migration
    run = run_in_process(score_run_create(scorer=scorer, limit=3, enqueue=False))

    assert run.status == "succeeded", run.error
    assert run.device_name and run.batch_size and run.tokens_per_second > 0
    scores = list(scores_valid().filter(run=run))
    assert len(scores) == 3
    for score in scores:
        # A 135M model on neuroscience abstracts: perplexities in the tens, never degenerate.
        assert 2 < score.ppl_original < 500 and 2 < score.ppl_altered < 500
        assert score.n_tokens_original > 100
        assert score.ppl_original == pytest.approx(math.exp(score.nll_mean_original), rel=1e-9)
        assert score.nll_sum_original == pytest.approx(
            score.nll_mean_original * (score.n_tokens_original - 1), rel=1e-9
        )
        assert score.correct == (score.ppl_original < score.ppl_altered)
