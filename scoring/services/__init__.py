"""Services of the scoring app: everything that writes scorers, runs and scores."""

from __future__ import annotations

from scoring.services.chunks import score_run_chunk_process
from scoring.services.runs import (
    Lanes,
    chunks_in_flight,
    score_run_cancel,
    score_run_continue,
    score_run_create,
    score_run_fail,
    score_run_finish_if_complete,
    score_run_missing_chunks,
    score_run_resume,
)
from scoring.services.scorers import (
    SMOLLM2_SOURCE,
    prompt_build,
    scorer_create,
    scorer_engine_config,
    scorer_update,
)
from scoring.services.start import SERVER_OPERATOR, score_run_start

__all__ = [
    "SERVER_OPERATOR",
    "SMOLLM2_SOURCE",
    "Lanes",
    "chunks_in_flight",
    "prompt_build",
    "score_run_cancel",
    "score_run_chunk_process",
    "score_run_continue",
    "score_run_create",
    "score_run_fail",
    "score_run_finish_if_complete",
    "score_run_missing_chunks",
    "score_run_resume",
    "score_run_start",
    "scorer_create",
    "scorer_engine_config",
    "scorer_update",
]
