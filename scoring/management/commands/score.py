"""python manage.py score --scorer NAME [--study SLUG] [--source S] [--limit N] [--background].

Runs at the server's terminal, so it starts runs as the server operator
(scoring.services.start.SERVER_OPERATOR): like staff, it may score the whole item bank.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from tqdm import tqdm

from braintrial.items.models import Item
from braintrial.studies.models import Study
from scoring.models import Scorer, ScoreRun
from scoring.services.chunks import score_run_chunk_process
from scoring.services.runs import score_run_cancel, score_run_missing_chunks
from scoring.services.start import SERVER_OPERATOR, score_run_start


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def progress_bar(*, run: ScoreRun) -> tqdm:
    """The run's progress on stderr with the time elapsed and an estimate of the time left
    (tqdm's, from the pace of this command's chunks; items scored before count as done)."""
    return tqdm(
        total=run.n_total,
        initial=run.n_done,
        file=sys.stderr,
        desc=f"Run {run.pk}",
        unit="item",
        dynamic_ncols=True,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} items "
        "[{elapsed} elapsed, {remaining} left, {rate_fmt}]",
    )


class Command(BaseCommand):
    help = (
        "Score test items with a scorer. In the foreground by default (a progress bar on "
        "stderr, the same chunk service as the worker); --background hands it to the worker. "
        "Runs as the server operator, who like staff may score the whole item bank."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scorer", required=True, help="Scorer name (see the admin).")
        parser.add_argument("--study", help="Score this study's item bank instead of every item.")
        parser.add_argument(
            "--source", choices=Item.Source.values, help="Only human- or GPT-4-written items."
        )
        parser.add_argument("--limit", type=int, help="Score only the first N items.")
        parser.add_argument(
            "--background", action="store_true", help="Enqueue for the worker; print the run id."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scorer = Scorer.objects.filter(name=options["scorer"]).first()
        if scorer is None:
            names = ", ".join(
                Scorer.objects.filter(is_published=False).values_list("name", flat=True)
            )
            raise CommandError(f"No scorer {options['scorer']!r}. Runnable scorers: {names}")
        study = None
        if options["study"]:
            study = Study.objects.filter(slug=options["study"]).first()
            if study is None:
                raise CommandError(f"No study with slug {options['study']!r}.")
        background = options["background"]
        try:
            run = score_run_start(
                user=SERVER_OPERATOR,
                scorer=scorer,
                study=study,
                source=options["source"],
                limit=options["limit"],
                enqueue=background,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if background:
            self.stdout.write(f"Run {run.pk} queued: {run.n_total} items for {scorer.name}.")
            self.stdout.write(str(run.pk))
            return
        # A terminal closing or `kill` stops the run like Ctrl-C does (cancelled, not left running).
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            self._foreground(run)
        finally:
            signal.signal(signal.SIGTERM, previous)

    def _foreground(self, run: ScoreRun) -> None:
        bar = progress_bar(run=run)
        try:
            for item_ids in score_run_missing_chunks(run=run):
                before = bar.n

                def progress(n_scored: int, before: int = before) -> None:
                    bar.update(before + n_scored - bar.n)

                score_run_chunk_process(run_id=run.pk, item_ids=item_ids, progress=progress)
                run.refresh_from_db()
                bar.update(run.n_done - bar.n)
                if not run.is_active:
                    break
        except KeyboardInterrupt:
            bar.close()
            # The interrupt may land in the middle of a query, which leaves the connection
            # unusable: cancel on a fresh one. Otherwise the run would stay "running" and the
            # next worker start would resume it.
            connection.close()
            score_run_cancel(run=run)
            raise CommandError(f"Run {run.pk} cancelled; its scores so far are kept.") from None
        run.refresh_from_db()
        bar.update(run.n_done - bar.n)
        bar.close()
        if run.status != ScoreRun.Status.SUCCEEDED:
            raise CommandError(f"Run {run.pk} {run.status}: {run.error or 'stopped'}")
        correct = run.scores.filter(correct=True).count()
        scored = run.scores.count()
        self.stdout.write(
            f"Run {run.pk} succeeded: {run.n_done}/{run.n_total} items, "
            f"{run.tokens_per_second or 0:.0f} tokens/s on {run.device_name}, batch "
            f"{run.batch_size}; this run scored {scored} item(s), {correct} correct."
        )
