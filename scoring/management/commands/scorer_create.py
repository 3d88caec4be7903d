"""python manage.py scorer_create NAME --source SOURCE [...]: a runnable scorer, validated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.models import Scorer
from scoring.services.scorers import scorer_create


class Command(BaseCommand):
    help = "Create a scorer (a language model configuration) that can score items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Short unique name (letters, digits, - and _).")
        parser.add_argument("--source", required=True, help="Hugging Face id or local directory.")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--gguf-file", default="", help="GGUF file inside the source.")
        parser.add_argument("--revision", default="")
        parser.add_argument("--dtype", default=Scorer.DType.AUTO, choices=Scorer.DType.values)
        parser.add_argument("--device", default=Scorer.Device.AUTO, choices=Scorer.Device.values)
        parser.add_argument("--bos", default=Scorer.Bos.TOKENIZER, choices=Scorer.Bos.values)
        parser.add_argument("--adapter", default="", help="PEFT (LoRA) adapter directory or id.")
        parser.add_argument(
            "--device-map", default="", help="auto|balanced|sequential or JSON {module: device}."
        )
        parser.add_argument("--max-memory", default="", help="Per GPU, e.g. 0:70GiB,1:70GiB.")
        parser.add_argument(
            "--quantization", default="", choices=Scorer.Quantization.values, help="8bit|4bit."
        )
        template = parser.add_mutually_exclusive_group()
        template.add_argument("--template", default="", help="Prompt with <choice abstract>.")
        template.add_argument("--template-file", type=Path, help="File holding the prompt.")

    def handle(self, *args: Any, **options: Any) -> None:
        template = options["template"]
        if options["template_file"]:
            try:
                template = options["template_file"].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"Cannot read {options['template_file']}: {exc}") from exc
        try:
            scorer = scorer_create(
                name=options["name"],
                model_source=options["source"],
                display_name=options["display_name"],
                gguf_file=options["gguf_file"],
                revision=options["revision"],
                dtype=options["dtype"],
                device=options["device"],
                prompt_template=template,
                adapter=options["adapter"],
                bos=options["bos"],
                device_map=options["device_map"],
                max_memory=options["max_memory"],
                quantization=options["quantization"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Scorer {scorer.name} created (id {scorer.pk}).")
