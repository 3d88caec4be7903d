"""Figures about the study itself: the headline numbers, exposure, exclusions (participation:
charts.participation)."""

# Display text uses typographic dashes, minus signs and rho on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from typing import Any

from braintrial.analysis.rules import RULE_LABELS
from braintrial.analysis.stats import MIN_N
from braintrial.analysis.types import (
    Agreement,
    FlagCount,
    Participation,
    StudyReport,
    paper_source,
)
from braintrial.dashboard.charts.common import (
    HUMAN,
    count_axis,
    first_upper,
    interval_text,
    layout,
    model_names,
    pct,
    plural,
    source_label,
)
from braintrial.items.sources import QUOTAS, source_quota

SOURCE_COLORS = {"human": "#4a7fc1", "gpt4": "#e09f3e"}


def small_n_warning(n: int, unit: str) -> str:
    """A warning for a figure from fewer than MIN_N trials or items ('' when there are enough)."""
    if n == 0 or n >= MIN_N:
        return ""
    return f"Only {n} {unit} (under {MIN_N}): read the interval, not the percentage."


def summary(report: StudyReport, source: str) -> list[dict[str, str]]:
    """The few numbers a researcher reads first."""
    part = report["sources"][source]
    humans = part["humans"]["accuracy"]
    people = report["participation"]
    names = model_names(report)
    models = [(n, m["accuracy"]) for n, m in part["models"].items() if m["accuracy"]["n"]]
    best = max(models, key=lambda pair: pair[1]["accuracy"] or 0) if models else None
    agree = part["agreement"]
    interval = interval_text(humans)
    top = part["humans"]["top_expertise"]
    return [
        {
            "label": f"Human experts, {source_label(report, source)} items",
            "value": pct(humans),
            "note": f"{humans['k']} of {humans['n']} trials"
            + (f", {interval}" if interval else ""),
            "warning": small_n_warning(humans["n"], "trials"),
        },
        {
            "label": "Top-20% experts",
            "value": pct(top),
            "note": f"n = {top['n']} trials" + (f", {interval_text(top)}" if top["n"] else ""),
            "warning": small_n_warning(top["n"], "trials"),
        },
        {
            "label": "Best model",
            "value": pct(best[1]) if best else "–",
            "note": f"{names.get(best[0], best[0])}, {len(models)} models, {interval_text(best[1])}"
            if best
            else "no scores",
            "warning": small_n_warning(best[1]["n"], "items") if best else "",
        },
        {
            "label": "Participants completed",
            "value": str(people["completed"]),
            "note": f"{people['started']} started, {people['excluded_participants']} excluded",
        },
        {
            "label": "Trials analysed",
            "value": str(people["included_trials"]),
            "note": f"of {people['answered_trials']} answered",
        },
        _agreement_kpi(report, source, agree),
    ]


def _agreement_kpi(report: StudyReport, source: str, agree: Agreement) -> dict[str, str]:
    """The paper's agreement (raw PPL difference, its 15 LLMs) where it can be computed, else
    this app's, saying which."""
    analyses = paper_source(report["paper"], source)
    paper = analyses["agreement"] if analyses else None
    if paper and paper["n_models"] >= 2:
        return {
            "label": "Mean ρ human–model (the paper's definition)",
            "value": _rho(paper["human_model"]["mean"]),
            "note": f"model–model {_rho(paper['model_model']['mean'])}, "
            f"{paper['n_models']} paper LLMs",
        }
    return {
        "label": "Mean ρ human–model (ln PPL ratio, all scorers)",
        "value": _rho(agree["mean_human_model"]),
        "note": f"model–model {_rho(agree['mean_model_model'])}; not the paper's definition",
    }


def _rho(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def exposure(report: StudyReport) -> dict[str, Any]:
    """Assignments per item, items sorted within source: a flat profile means balance."""
    exp = report["exposure"]
    data = []
    for source in QUOTAS:
        # Each row names its item's own source; the chart groups them by the quota they fill.
        rows = sorted(
            (r for r in exp["items"] if source_quota(r["source"]) == source),
            key=lambda r: r["n_assigned"],
        )
        if not rows:
            continue
        data.append(
            {
                "type": "bar",
                "name": first_upper(source_label(report, source)),
                "x": list(range(1, len(rows) + 1)),
                "y": [r["n_assigned"] for r in rows],
                "marker": {"color": SOURCE_COLORS[source]},
                "xaxis": "x" if source == "human" else "x2",
                "customdata": [[r["abstract_id"], r["n_answered"], r["n_included"]] for r in rows],
                "hovertemplate": "abstract %{customdata[0]}: assigned %{y}, answered "
                "%{customdata[1]}, kept %{customdata[2]}<extra></extra>",
            }
        )
    total = sum(r["n_assigned"] for r in exp["items"])
    spread = "; ".join(
        f"{first_upper(source_label(report, s))}: {v['n_items']} items, "
        f"{v['min']}–{v['max']} times (mean {v['mean']:.1f})"
        for s, v in exp["by_source"].items()
    )
    figure = {
        "data": data,
        "layout": layout(
            xaxis={
                "domain": [0, 0.64],
                "title": {"text": "Human-written items, fewest to most"},
                "showticklabels": False,
            },
            xaxis2={
                "domain": [0.7, 1],
                "title": {"text": first_upper(source_label(report, "gpt4"))},
                "showticklabels": False,
            },
            yaxis={
                "title": {"text": "Times assigned"},
                **count_axis(max((r["n_assigned"] for r in exp["items"]), default=0)),
            },
            bargap=0.05,
            showlegend=False,
        ),
    }
    return {
        "id": "exposure",
        "title": "Exposure balance",
        "figure": figure,
        "caption": f"How often each test item was assigned (n = {total} assignments), each "
        f"source sorted from least to most; a flat profile means balance. {spread}.",
    }


def _flagged_words(flagged: FlagCount | dict[str, int]) -> str:
    """'1 trial · 1 person', '4 trials · 2 people'."""
    trials, people = flagged.get("trials", 0), flagged.get("participants", 0)
    return f"{plural(trials, 'trial')} · {plural(people, 'person', 'people')}"


def exclusions(report: StudyReport) -> dict[str, Any]:
    p, rules = report["participation"], report["rules"]
    names = list(RULE_LABELS)
    labels = [RULE_LABELS[n] + ("" if rules.get(n) else " (off)") for n in names]
    flagged = p["flagged"]
    none: FlagCount = {"participants": 0, "trials": 0}
    counts = [flagged.get(n, none)["trials"] for n in names]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": counts,
            "marker": {"color": [HUMAN if rules.get(n) else "#cbd2d9" for n in names]},
            "text": [_flagged_words(flagged.get(n, {})) for n in names],
            "textposition": "auto",
            "hovertemplate": "%{y}: %{text}<extra></extra>",
        }
    ]
    notes = []
    if not any(counts):
        notes.append(
            {
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "text": "No trial is flagged by any rule",
                "font": {"color": "#616e7c"},
            }
        )
    figure = {
        "data": data,
        "layout": layout(
            xaxis={
                "title": {"text": "Trials flagged"},
                **count_axis(max(counts)),
                "range": [0, max(*counts, 4) * 1.05],
            },
            yaxis={"autorange": "reversed", "ticksuffix": "  "},
            margin={"l": 180},
            annotations=notes,
        ),
    }
    caption = (
        f"Trials each rule flags (red: rule applied, grey: switched off). Applied rules exclude "
        f"{p['excluded_trials']} of n = {p['answered_trials']} answered trials and "
        f"{p['excluded_participants']} participants; a trial can be flagged by several rules."
    )
    return {"id": "exclusions", "title": "Exclusions by rule", "figure": figure, "caption": caption}


def exclusion_lines(report: StudyReport) -> list[str]:
    """What each rule did to this view's numbers, in words (the exclusions chart as text)."""
    people, rules = report["participation"], report["rules"]
    lines = [
        f"Analysed: {plural(people['included_trials'], 'trial')} of "
        f"{plural(people['answered_trials'], 'answered trial')}, from "
        f"{plural(people['included_participants'], 'participant')}."
    ]
    if rules.get("completed_only") and people["unfinished_trials"]:
        lines.append(
            f"Not completed yet: {plural(people['unfinished_trials'], 'trial')} of participants "
            "still taking part (or who left) are left out until they finish."
        )
    for name, label in RULE_LABELS.items():
        flagged = people["flagged"].get(name, {"participants": 0, "trials": 0})
        counts = (
            f"{plural(flagged['participants'], 'participant')} "
            f"({plural(flagged['trials'], 'trial')})"
        )
        if rules.get(name):
            lines.append(f"{label}: removed {counts}.")
        else:
            lines.append(f"{label}: switched off; it would remove {counts}.")
    lines.extend(upheld_lines(people))
    return lines


def upheld_lines(people: Participation) -> list[str]:
    """What the study did with the test cases of which a challenge was upheld, in words. A report
    cached before these counts existed says nothing."""
    upheld, left_out = people.get("upheld_items", 0), people.get("left_out_items", 0)
    if left_out:
        trials = people.get("left_out_trials", 0)
        return [
            f"Upheld challenges: left out {plural(left_out, 'test case')} "
            f"({plural(trials, 'answered trial')}), as the study's settings say."
        ]
    if upheld:
        return [
            f"Upheld challenges: {plural(upheld, 'test case')} counted all the same; the "
            "study's settings can leave them out."
        ]
    return []
