from __future__ import annotations

from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "braintrial.analysis"
    label = "analysis"

    def ready(self) -> None:
        # The participants' results page shows "you against the model", which this app reads;
        # participants sit below analysis and never import it, so the reader is handed down.
        from braintrial.analysis.comparison import model_comparison
        from braintrial.participants.pages import comparison_reader_set

        comparison_reader_set(reader=model_comparison)
