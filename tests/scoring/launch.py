"""Start a process of the app with the fake engine installed (tests only).

    python -m tests.scoring.launch celery -A braintrial worker -Q scoring ...
    python -m tests.scoring.launch manage score --scorer tiny

FAKE_ENGINE_DELAY_S (seconds per item, default 0) makes the fake slow, so that a test can
kill a worker or stop the command in the middle of a chunk. Production code has no such hook:
the fake replaces scoring.services.engines.scorer_engine_load before Celery or the command
starts.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "braintrial.settings")
    import django

    django.setup()
    from tests.scoring.fakes import FakeEngine, fake_engine_install

    fake_engine_install(FakeEngine(delay_s=float(os.environ.get("FAKE_ENGINE_DELAY_S", "0"))))
    mode, rest = argv[0], argv[1:]
    if mode == "celery":
        from celery.bin.celery import main as celery_main

        sys.argv = ["celery", *rest]
        celery_main()
    elif mode == "manage":
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", *rest])
    else:
        raise SystemExit(f"usage: python -m tests.scoring.launch celery|manage ARGS (not {mode})")


if __name__ == "__main__":
    main(sys.argv[1:])
