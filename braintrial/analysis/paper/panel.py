"""The reproduction panel: each analysis of the paper, the paper's figure, this app's figure on
the same data, the definition in one line, and why the two differ where they do.

Built from a study report (analysis.selectors.study_report), so the panel shows the numbers the
rest of the report shows. A figure "matches" when it rounds to the paper's at the paper's
precision; qualitative findings match when the app's figures point the same way.
"""

from __future__ import annotations

from ..types import ReportFigures, Reproduction
from .panel_figures import (
    accuracy_rows,
    agreement_row,
    braingpt_rows,
    headline_rows,
    model_rows,
)
from .panel_findings import (
    calibration_rows,
    comparison_rows,
    memorisation_row,
    team_rows,
)

# The paper's figures (Luo et al. 2024) and, for the teams, Yanez et al. (arXiv 2408.08083).
PAPER_CITATION = (
    "Luo et al. (2024), Large language models surpass human experts in predicting neuroscience "
    "results, Nature Human Behaviour, doi:10.1038/s41562-024-02046-9"
)


def reproduction_panel(*, report: ReportFigures) -> Reproduction:
    """Rows of {key, analysis, paper, app, definition, n, matches, note} in the paper's order.

    ``matches`` is True / False, or None where the paper gives no comparable number.
    """
    paper = report["paper"]
    rows = [
        *accuracy_rows(report),
        *headline_rows(paper),
        *model_rows(report),
        agreement_row(paper),
        *braingpt_rows(paper),
        *comparison_rows(paper),
        *calibration_rows(paper),
        memorisation_row(paper),
        *team_rows(paper),
    ]
    return {"citation": PAPER_CITATION, "rows": rows}
