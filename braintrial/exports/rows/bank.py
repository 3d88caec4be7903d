"""The items file and the model scores file: the item bank of the studies and its scores."""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

from braintrial.analysis.rules import ExclusionRules
from braintrial.exports.expressions import (
    any_reason,
    bool_cell,
    choice_cell,
    flag_cell,
    float_cell,
    reasons_cell,
    text_cell,
    time_cell,
)
from braintrial.exports.rows.base import Column, ExportKind
from braintrial.exports.rows.item_analysis import empty_columns, item_analysis_columns
from braintrial.exports.rows.trials import section_label
from braintrial.items.models import Item
from braintrial.participants.selectors import items_of_studies_q
from braintrial.studies.models import Study
from scoring.models import ItemScore
from scoring.selectors import score_valid_q


def col(name: str, expression: str | Combinable, doc: str, kind: str = "text") -> Column:
    return Column(name, F(expression) if isinstance(expression, str) else expression, doc, kind)


def studies_items(studies: QuerySet[Study]) -> Q:
    return items_of_studies_q(studies=studies)


def items_base(
    studies: QuerySet[Study], include_excluded: bool, rules: ExclusionRules | None = None
) -> QuerySet[Item]:
    # No exclusion rule applies to items; ``rules`` is taken for the common signature.
    queryset = Item.objects.filter(studies_items(studies))
    if not include_excluded:
        queryset = queryset.filter(kind=Item.Kind.TEST)
    return queryset.order_by("bank", "source", "row", "id")


SCORE_EXCLUSION_REASONS: list[tuple[str, Q]] = [
    ("practice", Q(item__kind=Item.Kind.PRACTICE)),
    ("catch", Q(item__kind=Item.Kind.CATCH)),
    ("unfinished", Q(finished=False)),
]


def scores_base(
    studies: QuerySet[Study], include_excluded: bool, rules: ExclusionRules | None = None
) -> QuerySet[ItemScore]:
    queryset = ItemScore.objects.filter(item__in=Item.objects.filter(studies_items(studies))).alias(
        # "finished" (the export's word) is the scoring app's validity rule, nothing else.
        finished=ExpressionWrapper(score_valid_q(), output_field=BooleanField())
    )
    if not include_excluded:
        queryset = queryset.filter(item__kind=Item.Kind.TEST, finished=True)
    return queryset.order_by("scorer__name", "item__bank", "item__source", "item__row", "id")


HELD_OUT_DOC = (
    " Empty where the item is held out (held_out = 1): a study keeps its texts out of the "
    "downloads of everyone who is not one of its researchers."
)


def item_text_columns(withheld: frozenset[int]) -> list[Column]:
    """The items file's text columns, empty for the items whose ids are in ``withheld``
    (studies.heldout), and ``held_out`` saying which."""
    hidden = Q(pk__in=sorted(withheld)) if withheld else Q(pk__in=[])

    def text(expression: str | Combinable) -> Combinable:
        if not withheld:
            return text_cell(expression)
        return Case(
            When(hidden, then=Value(None, output_field=CharField())),
            default=text_cell(expression),
            output_field=CharField(),
        )

    return [
        col(
            "original",
            text("original"),
            "The published abstract (the correct answer)." + HELD_OUT_DOC,
        ),
        col("altered", text("altered"), "The abstract with its results altered." + HELD_OUT_DOC),
        col(
            "differences",
            text(Cast("differences", CharField())),
            'Word-level differences as JSON: [{"original": "...", "altered": "..."}, ...].'
            + HELD_OUT_DOC,
        ),
        col(
            "held_out",
            flag_cell(hidden),
            "1 if the item's texts are withheld from this download: a study holds the item out "
            "of public downloads (its share of held-out items is a study setting) and you are not "
            "one of its researchers. Its trials and scores are in the files as any other's.",
            "0/1",
        ),
    ]


ITEM_COLUMNS = [
    col("item_id", "id", "Item number in this database; item_id of trials.csv.", "integer"),
    col("bank", text_cell("bank"), "Item bank the case belongs to."),
    col("kind", "kind", "test, practice or catch."),
    col("source", "source", "Who wrote the test case: human or gpt4."),
    col(
        "journal_section",
        choice_cell(section_label()),
        "human_<section> / machine_<section> "
        "(practice_ / catch_ for those items), as in trials.csv.",
    ),
    col("section", text_cell("journal_section"), "Journal section, without prefix."),
    col(
        "abstract_id",
        "abstract_id",
        "1-based row of the paper in the human-written file; "
        "shared by the GPT-4 case of the same paper.",
        "integer",
    ),
    col("doi", text_cell("doi"), "DOI of the paper."),
    col("source_file", text_cell("source_file"), "File the case was imported from."),
    col("row", "row", "1-based data row in source_file.", "integer"),
    *item_text_columns(frozenset()),
    col(
        "defect",
        text_cell("defect"),
        "Why the importer flagged the row as defective (empty: not flagged); the row is kept as "
        "published. A study with skip_flagged_items (the default) never serves a flagged item; "
        "the published study's reproduction uses every published item.",
    ),
    col(
        "published_first",
        Cast("published_first", CharField()),
        "First day the paper's publication date may mean (YYYY-MM-DD); empty: no date.",
    ),
    col(
        "published_last",
        Cast("published_last", CharField()),
        "Last day it may mean: a paper dated 2023 runs from 2023-01-01 to 2023-12-31.",
    ),
    col(
        "published_precision",
        text_cell("published_precision"),
        "How precise the date is: day, month, year or range.",
    ),
    col(
        "published_source",
        text_cell("published_source"),
        "Where the date comes from: the item file's published column, or the year a Journal "
        "of Neuroscience DOI names (the published items).",
    ),
    col("created_at", time_cell("created_at"), "Imported (UTC).", "timestamp"),
    col("updated_at", time_cell("updated_at"), "Last changed (UTC).", "timestamp"),
]

SCORE_COLUMNS = [
    col("scorer", text_cell("scorer__name"), "Scorer (language model configuration) name."),
    col("scorer_display_name", text_cell("scorer__display_name"), "Name shown in charts."),
    col(
        "model_source",
        text_cell("scorer__model_source"),
        "Hugging Face id or local directory of the model.",
    ),
    col("revision", text_cell("scorer__revision"), "Model revision."),
    col("dtype", "scorer__dtype", "Compute dtype: auto, bf16, fp16, fp32."),
    col(
        "prompt_template",
        text_cell("scorer__prompt_template"),
        "Template with <choice abstract>; empty means the bare abstract.",
    ),
    col(
        "is_published",
        bool_cell("scorer__is_published"),
        "1 for the paper's published scores (imported), 0 for scores computed here.",
        "0/1",
    ),
    col("item_id", "item_id", "Item number; item_id of items.csv and trials.csv.", "integer"),
    col("bank", text_cell("item__bank"), "Item bank."),
    col("kind", "item__kind", "test, practice or catch."),
    col("abstract_id", "item__abstract_id", "abstract_id of the item.", "integer"),
    col(
        "journal_section",
        choice_cell(section_label("item__")),
        "human_<section> / machine_<section>, as in trials.csv.",
    ),
    col("doi", text_cell("item__doi"), "DOI of the paper."),
    col("n_tokens_original", "n_tokens_original", "Tokens of the original prompt.", "integer"),
    col("n_tokens_altered", "n_tokens_altered", "Tokens of the altered prompt.", "integer"),
    col(
        "nll_sum_original",
        "nll_sum_original",
        "Summed NLL (nats, fp32) over every token after the first, original version.",
        "number",
    ),
    col(
        "nll_sum_altered",
        float_cell("nll_sum_altered"),
        "Summed NLL (nats), altered version.",
        "number",
    ),
    col(
        "nll_mean_original",
        float_cell("nll_mean_original"),
        "Mean NLL (nats), original version.",
        "number",
    ),
    col(
        "nll_mean_altered",
        float_cell("nll_mean_altered"),
        "Mean NLL (nats), altered version.",
        "number",
    ),
    col(
        "ppl_original",
        float_cell("ppl_original"),
        "Perplexity exp(mean NLL), original version.",
        "number",
    ),
    col(
        "ppl_altered",
        float_cell("ppl_altered"),
        "Perplexity exp(mean NLL), altered version.",
        "number",
    ),
    col(
        "correct", bool_cell("correct"), "1 if ppl_original < ppl_altered (a tie is wrong).", "0/1"
    ),
    col("confidence", float_cell("confidence"), "|ppl_original - ppl_altered|.", "number"),
    col(
        "zlib_length_original",
        "zlib_length_original",
        "zlib-compressed length (bytes) of the original prompt.",
        "integer",
    ),
    col(
        "run_id",
        "run_id",
        "Scoring run that wrote the score; empty for published scores.",
        "integer",
    ),
    col(
        "config_fingerprint",
        text_cell("config_fingerprint"),
        "Hash of the scorer configuration the score was computed with.",
    ),
    col(
        "weights_sha256",
        text_cell("weights_sha256"),
        "Checksum of the local weight files the score was computed with (empty: a hub model "
        "or a published score).",
    ),
    col(
        "excluded",
        flag_cell(any_reason(SCORE_EXCLUSION_REASONS)),
        "1 if an analysis leaves this score out (see excluded_by), else 0.",
        "0/1",
    ),
    col(
        "excluded_by",
        reasons_cell(SCORE_EXCLUSION_REASONS),
        "Why, ';'-separated: practice, "
        "catch, unfinished (computed with an earlier configuration of the scorer, or no "
        "succeeded run of its current configuration covers the item yet).",
    ),
    col("created_at", time_cell("created_at"), "Stored (UTC).", "timestamp"),
]

ITEMS = ExportKind(
    name="items",
    title="Items",
    row_doc="One row per item (test case) of the item banks the studies draw from, and the "
    "practice and catch items their participants were shown.",
    base_queryset=items_base,
    columns=[*ITEM_COLUMNS, *empty_columns()],
    excluded_doc="By default only test items; with include_excluded also practice and catch items.",
    study_columns=item_analysis_columns,
    withheld_columns=item_text_columns,
)

SCORES = ExportKind(
    name="scores",
    title="Model scores",
    row_doc="One row per scorer and item: both versions' perplexities and the model's choice.",
    base_queryset=scores_base,
    columns=SCORE_COLUMNS,
    excluded_doc="By default only finished results on test items (every published score; a "
    "runnable scorer's scores under its current configuration on the items of its succeeded "
    "runs of that configuration); with include_excluded also practice and catch items and "
    "unfinished scores.",
)
