"""The paper's analyses computed the paper's way, and the reproduction panel beside its figures.

Luo et al. (2024), "Large language models surpass human experts in predicting neuroscience
results", Nature Human Behaviour, doi:10.1038/s41562-024-02046-9. Definitions (bin edges, tests,
which models) follow the authors' analysis code (github.com/braingpt-lovelab/brainbench_results);
each module's docstring names what it takes from where.
"""

from __future__ import annotations

from .analyses import paper_analyses

__all__ = ["paper_analyses"]
