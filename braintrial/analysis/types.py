"""The study report's shape: what ``analysis.selectors.study_report`` returns and its readers
(the dashboard's charts, ``manage.py report``, the API) take.

TypedDicts rather than dataclasses: the report stays the plain JSON-ready dict the API sends,
``report --json`` prints and the cache pickles, while mypy checks every key a chart reads.
Keys appear in the report in the order declared here. Proportions are in 0..1; ``None`` marks
a figure that cannot be computed (no data, a constant column).
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

# Item groups of the report: the study's quotas (items.sources), "human" and "gpt4" (the
# machine-written: GPT-4-written and model-drafted), and "all" of both.
PaperSourceKey = Literal["human", "gpt4"]
PAPER_SOURCES: tuple[PaperSourceKey, ...] = ("human", "gpt4")


class Accuracy(TypedDict):
    """Proportion correct, k of n (trials for humans, items for models); the rest None at n = 0.

    ``low`` / ``high``: the 95% Wilson score interval; ``sem``: the binomial standard error
    sqrt(p(1-p)/n).
    """

    accuracy: float | None
    sem: float | None
    low: float | None
    high: float | None
    n: int
    k: int


class Fit(TypedDict):
    """Least-squares line; both None with fewer than two distinct x."""

    slope: float | None
    intercept: float | None


class Bin(TypedDict):
    """One equal-count bin (1 = lowest score) and the range of scores in it."""

    bin: int
    n: int
    score_min: float
    score_max: float
    score_mean: float
    accuracy: float


class Binned(TypedDict):
    """Accuracy in equal-count bins of a score (confidence, |dPPL| or expertise)."""

    bins: list[Bin]
    fit: Fit  # of bin accuracy over bin number
    n: int


# --- the study, its rules and its scorers ---------------------------------------------------


class StudyInfo(TypedDict):
    id: int
    slug: str
    title: str
    bank: str
    is_open: bool


class RulesInfo(TypedDict):
    """The exclusion rules applied (``ExclusionRules.as_dict``): one switch per rule of
    ``analysis.rules.RULES``, the thresholds and variants, and ``completed_only``."""

    failed_catch: bool
    no_slider: bool
    outside_help: bool
    outside_help_trial: bool
    recognised: bool
    fast: bool
    min_rt_ms: int
    catch_rule: str
    completed_only: bool


class ScorerInfo(TypedDict):
    """A scorer that counts (published, or with a valid score for every item in scope)."""

    id: int
    name: str
    display_name: str
    is_published: bool
    n_items_scored: int


class SkippedScorer(ScorerInfo):
    reason: str  # e.g. "12 items in scope have no score"


class PaperScorer(ScorerInfo):
    """A scorer that counts, with what its model is (the published models' description)."""

    model_source: str
    family: str
    params_b: float | None
    kind: str
    base_model: str
    released: str
    paper_llm: bool


# --- the figures of one item source ---------------------------------------------------------


class HumanFigures(TypedDict):
    accuracy: Accuracy
    by_section: dict[str, Accuracy]  # journal section -> accuracy; empty sections left out
    by_position: dict[str, Accuracy]  # current position -> accuracy
    top_expertise: Accuracy  # per item the top 20% of trials by expertise


class ModelFigures(TypedDict):
    accuracy: Accuracy
    by_section: dict[str, Accuracy]


class Calibration(TypedDict):
    humans: Binned  # by the confidence slider
    models: dict[str, Binned]  # scorer name -> by |PPL_original - PPL_altered|


class Agreement(TypedDict):
    """Spearman rho of item difficulty (this app's definition, every scorer that counts)."""

    n_items: int
    scorers: list[str]  # scorer names, the order of model_model's rows and columns
    human_model: dict[str, float | None]
    model_model: list[list[float | None]]
    mean_human_model: float | None
    mean_model_model: float | None


class TeamWeights(TypedDict):
    human: float
    model: float


class TeamPair(TypedDict):
    """A human with one model (Yanez et al.), and each alone on the same trials."""

    n: int
    team: Accuracy
    human: Accuracy
    model: Accuracy
    weights: TeamWeights
    validation: str  # "leave-one-out" or "<k>-fold"
    beats_both: bool


class SourceFigures(TypedDict):
    """Humans, models, calibration and agreement on one item source (analysis.figures)."""

    n_items: int  # test items in scope of this source
    humans: HumanFigures
    models: dict[str, ModelFigures]  # scorer name -> figures
    calibration: Calibration
    expertise: Binned  # human accuracy by expertise bins
    agreement: Agreement


class SourceReport(SourceFigures):
    team: dict[str, TeamPair]  # scorer name -> team; empty for "all"
    # The group in words, naming the own sources of its items (items.sources.quota_label):
    # "GPT-4-written", "model-drafted", "machine-written (GPT-4-written and model-drafted)".
    # A report cached before it was added lacks it: its readers fall back to the key's label.
    label: str
    written_by: list[str]  # the items' own sources (Item.source) in scope, in Item.Source order


# --- participation and exposure -------------------------------------------------------------


class FlagCount(TypedDict):
    participants: int
    trials: int


class Day(TypedDict):
    date: str  # YYYY-MM-DD (UTC)
    started: int
    completed: int
    answered: int


class Participation(TypedDict):
    """Participants by stage, trials kept and left out, what each rule flags, and days."""

    visited: int
    declined: int
    started: int  # past consent: in progress, completed or abandoned
    active: int
    completed: int
    abandoned: int
    withdrawn: int  # tombstones: their answers and personal data erased
    answered_trials: int
    unfinished_trials: int  # answers of participants who have not completed
    included_trials: int
    excluded_trials: int
    included_participants: int
    excluded_participants: int
    # Test cases (versions) with an upheld challenge, and those the study leaves out
    # (Study.leave_out_upheld_items) with their answered trials.
    upheld_items: int
    left_out_items: int
    left_out_trials: int
    flagged: dict[str, FlagCount]  # rule name -> flagged, switched on or not
    by_day: list[Day]


class ExposureItem(TypedDict):
    item_id: int
    abstract_id: int | None
    source: str  # the item's own source (Item.source: "human", "gpt4", "llm")
    journal_section: str
    n_assigned: int
    n_answered: int
    n_included: int


class ExposureSpread(TypedDict):
    n_items: int
    min: int
    max: int
    mean: float


class Exposure(TypedDict):
    items: list[ExposureItem]
    by_source: dict[str, ExposureSpread]


# --- the paper's analyses (analysis.paper) --------------------------------------------------


class TTest(TypedDict):
    t: float | None
    p: float


class Headline(TypedDict):
    """Mean accuracy of the paper's LLMs against the humans' and the authors' t-test."""

    n_models: int
    n_items: int
    mean: float | None
    sd: float | None
    human: float | None
    t: float | None
    df: int | None
    p: float | None


class MeanSd(TypedDict):
    mean: float | None
    sd: float | None


class ModelPairs(MeanSd):
    n_pairs: int


class PaperAgreement(TypedDict):
    """Item-difficulty agreement the paper's way (raw PPL difference, its 15 LLMs)."""

    difficulty: str  # "raw" or "log_ratio"
    n_items: int
    n_models: int
    scorers: list[str]
    model_model: ModelPairs
    human_model: MeanSd
    human_by_model: dict[str, float | None]


class ChatPair(TypedDict):
    base: str
    tuned: str
    base_accuracy: float
    tuned_accuracy: float


class BaseVsChat(TypedDict):
    pairs: list[ChatPair]
    n_pairs: int
    t: float | None
    p: float | None
    # Only with at least one pair:
    mean_base: NotRequired[float | None]
    mean_tuned: NotRequired[float | None]
    base_better: NotRequired[int]


class SizePoint(TypedDict):
    name: str
    params_b: float
    accuracy: float


class SizeFigure(TypedDict):
    points: list[SizePoint]
    n_models: int
    rho: float | None
    p: float | None
    slope_per_decade: float | None


class BrainGPT(TypedDict):
    """Mistral-7B against its neuroscience LoRA; only ``available`` where either is missing."""

    available: bool
    n_items: NotRequired[int]
    base_accuracy: NotRequired[float | None]
    tuned_accuracy: NotRequired[float | None]
    t: NotRequired[float | None]
    p: NotRequired[float | None]
    df: NotRequired[int]
    mean_ppl_base: NotRequired[float | None]
    mean_ppl_tuned: NotRequired[float | None]


class Memorised(TypedDict):
    n_items: int
    rho: float | None
    mean_ppl: float | None
    min_ppl: float | None


class Memorisation(TypedDict):
    models: dict[str, Memorised]
    n_models: int
    mean_rho: float | None


class Subfield(TypedDict):
    n_items: int
    humans: Accuracy
    top_humans: Accuracy
    mean_llm: float | None
    n_llms: int


class PaperBin(TypedDict):
    bin: int
    n: int
    accuracy: float | None
    score_min: float | None
    score_max: float | None


class PaperBinned(TypedDict):
    """Bins of ordinal score ranks with the authors' edges."""

    n: int
    bins: list[PaperBin]
    fit: Fit  # of bin accuracy on the bins' rank midpoints


class CalibrationTest(TypedDict):
    """The authors' logistic calibration test (slope of correct on confidence > 0)."""

    n: int
    slope: float | None
    intercept: float | None
    t: float | None
    df: int | None
    p: float | None


class PaperCalibrated(PaperBinned):
    test: CalibrationTest


class PaperCalibration(TypedDict):
    humans: PaperCalibrated
    models: dict[str, PaperCalibrated]


class TeamFit(TypedDict):
    team: Accuracy
    weights: list[float]
    validation: str


class WithAll(TypedDict):
    """A human with every paper LLM together, and those LLMs without the human."""

    n: int
    n_models: int
    scorers: list[str]
    human: Accuracy
    best_model: float
    models_team: Accuracy
    team: Accuracy


class Teams(TypedDict):
    pairs: dict[str, TeamPair]
    with_all: WithAll | None


class PaperSource(TypedDict):
    """The paper's analyses on one item source."""

    n_items: int
    n_trials: int
    humans: Accuracy
    headline: Headline
    agreement: PaperAgreement
    agreement_log_ratio: PaperAgreement
    base_vs_chat: BaseVsChat
    size: SizeFigure
    braingpt: BrainGPT
    memorisation: Memorisation
    by_subfield: dict[str, Subfield]
    expertise: PaperBinned
    calibration: PaperCalibration
    teams: Teams


class PaperReport(TypedDict):
    scorers: list[PaperScorer]
    human: PaperSource
    gpt4: PaperSource


class PanelRow(TypedDict):
    key: str
    analysis: str
    paper: str  # the paper's figure or finding
    app: str  # this app's, on the same data
    definition: str
    n: str
    matches: bool | None  # None: no comparable number
    note: str


class Reproduction(TypedDict):
    citation: str
    rows: list[PanelRow]


# --- the report -----------------------------------------------------------------------------


class AnalysisStatus(TypedDict):
    """Whether one analysis could be computed on the data at hand (analysis.guard)."""

    ok: bool
    reason: str  # why not, in words a researcher reads; "" when ok


class ReportFigures(TypedDict):
    """Every figure of a study; the reproduction panel is built from these."""

    study: StudyInfo
    rules: RulesInfo
    methods: dict[str, str]  # how each figure is computed
    scorers: list[ScorerInfo]
    scorers_skipped: list[SkippedScorer]  # scores incomplete, no succeeded run
    sources: dict[str, SourceReport]  # "all", "human", "gpt4"
    participation: Participation
    exposure: Exposure
    paper: PaperReport
    # Per guarded analysis ("paper.human.teams", "science", ...): computed, or why not. An
    # analysis that failed holds what it shows with no data.
    analyses: dict[str, AnalysisStatus]


# The science entry: beyond the paper (analysis.science).


class Interval(TypedDict):
    estimate: float
    low: float
    high: float


class CrossedFitReport(TypedDict):
    accuracy: Interval  # population-averaged, probability scale
    sd_respondents: float  # logit scale
    sd_items: float
    sd_respondents_at_boundary: bool  # estimated at zero: not identified, shown in words
    method: str  # "logistic" (GPBoost; sds in logits) or "anova" (complete designs; sds in
    # probability): analysis.science.mixed
    fixed: dict[str, Interval]  # logit scale: "intercept" (and "expertise")
    n_answers: int
    n_respondents: int
    n_items: int


class HumanFitReport(CrossedFitReport, total=False):
    expertise_effect: Interval  # logits per sd of the expertise rating


class Separation(TypedDict):
    n_items: int  # items answered at least twice
    ceiling: int  # every answer right
    floor: int  # every answer wrong


class FamilyFigures(TypedDict):
    """One model family of a pool (analysis.science.families): its models, their share right,
    the family's partially pooled accuracy and its lead over the experts."""

    name: str  # Scorer.family (inherited through base_model; else the scorer's own name)
    n_scorers: int
    scorers: list[str]  # display names
    kinds: list[str]  # what its models are, in words: ["base (pretrained)", "chat"] (Scorer.kind)
    raw_accuracy: float  # the family's models' share right
    accuracy: Interval  # partially pooled, probability scale
    gap: Interval | None  # the family's accuracy minus the experts'; None without a human fit


class FamiliesReport(TypedDict):
    """Model families as a random effect, models nested in them, test cases crossed
    (analysis.science.families); standard deviations on the probability scale."""

    fitted: bool
    note: str  # why not fitted, or why no lead is given, in words
    left_out: list[str]  # scorers without an answer on every test case (display names)
    n_families: int
    sd_between: Interval | None  # the between-family sd: profile-likelihood estimate, 95%
    identified: bool  # its interval stays away from zero
    at_boundary: bool  # estimated at zero
    sd_within: float | None  # models' own differences within a family, with their noise
    in_words: str  # what the answers say about how much families differ
    families: list[FamilyFigures]  # highest accuracy first


class PoolFigures(TypedDict):
    """The models' crossed fit and the gap for one pool of scorers (analysis.science.pools)."""

    key: str  # "paper" | "all"
    label: str  # e.g. "the paper's 15 LLMs"
    n_scorers: int
    raw_accuracy: float | None  # the share of the pool's answers that are right
    models: CrossedFitReport | None  # None where not fitted or where it leaves the data
    gap: Interval | None  # models minus humans
    gap_method: str  # "crossed models", or the bootstrap used where a fit does not hold
    note: str
    families: FamiliesReport


class SourceIntervals(TypedDict):
    n_trials: int
    n_participants: int
    n_items: int
    wilson: Accuracy  # the headline's
    bootstrap_participants: Interval | None
    bootstrap_items: Interval | None
    bootstrap_crossed: Interval | None
    mixed: HumanFitReport | None
    separation: Separation
    pool: str  # the default pool's label: what "models" and "gap" cover
    models: CrossedFitReport | None  # the default pool's
    gap: Interval | None
    pools: dict[str, PoolFigures]  # "paper", "all"
    note: str


class ItemRowReport(TypedDict):
    """One item of the item analysis (analysis.science.items, declared once here)."""

    item_id: int
    source: str  # "human" | "gpt4"
    n: int
    k: int
    accuracy: float | None
    low: float | None  # 95% Wilson interval
    high: float | None
    accuracy_pooled: float | None  # partially pooled (empirical-Bayes) posterior mean
    p_below_half: float | None  # posterior probability that the human accuracy is below 1/2
    models_right: int  # scorers of the pool whose choice was right
    models_correct: float | None  # their share
    models_agreement: float | None
    n_models: int
    discrimination: float | None
    discrimination_n: int
    discrimination_p: float | None  # one-sided p of a correlation this low (exact where possible)
    confidence_right: float | None
    confidence_wrong: float | None
    defect: str  # the importer's note, apart from the data-driven flags
    suspect: bool  # worth a second look, on the data alone (false discoveries controlled)
    suspect_reasons: list[str]


class ItemsSummary(TypedDict):
    n_items: int
    n_answered: int
    n_with_discrimination: int
    median_discrimination: float | None
    n_defective: int
    n_suspect: int
    suspect_by_reason: dict[str, int]


class Advantage(TypedDict):
    """A scorer's logit advantage over the average expert (analysis.science.irt)."""

    estimate: float
    low: float  # 95% interval: its own answers' and the item difficulties' uncertainty
    high: float
    n_items: int
    n_right: int


class TopPercent(TypedDict):
    estimate: float  # the share of experts who would do better, in percent
    best: float  # at the ends the advantage's and the slope's intervals allow
    worst: float


class Placement(TypedDict):
    name: str
    display_name: str
    advantage: Advantage
    top_percent: TopPercent | None  # None where the spread of experts is not identified


class SlopeReport(TypedDict):
    """How much the experts differ: logits per standard deviation of skill."""

    estimate: float  # where the profile likelihood peaks
    low: float  # its 95% interval
    high: float
    identified: bool  # the interval stays away from zero
    grid: list[float]
    profile: list[float]  # twice the log-likelihood below its maximum, on the grid


class IrtReport(TypedDict):
    fitted: bool
    note: str  # why not, where not fitted
    n_participants: int
    n_items: int
    slope: SlopeReport | None
    spread: str  # what the data say about how much the experts differ, in words
    difficulty_mean: float | None  # the items' difficulty over the bank (logits)
    difficulty_sd: float | None
    scorers: list[Placement]  # best first


class PlanResult(TypedDict):
    participants: int | None
    achieved: float
    limit: str


class Plan(TypedDict):
    half_width: float
    gap: float
    power: float
    per_participant: int
    bank: int
    participants_for_half_width: PlanResult
    participants_for_power: PlanResult
    variances: dict[str, float | None]


class Components(TypedDict):
    """The joint model of humans and models (analysis.science.planning), logit scale."""

    intercept: float
    sd_people: float
    sd_items: float
    model_intercept: float | None
    sd_model_items: float
    item_correlation: float  # of the humans' and the models' item effects
    sd_scorers: float
    n_models: int


class PlanningReport(TypedDict):
    components: Components
    components_from: str  # "this study" | "the published study"
    default: Plan


class AgreementReport(TypedDict):
    """Do humans and models find the same items hard? The correlation of their item effects
    in the joint model (analysis.science.planning), free of the noise of a handful of answers
    per item; its interval from resampling the items."""

    item_correlation: float
    low: float
    high: float
    pool: str


class PoolInfo(TypedDict):
    label: str
    n_scorers: int


class ScienceReport(TypedDict):
    method: str
    headline_interval: str  # which interval the study page's headline uses: "wilson"
    pools: dict[str, PoolInfo]  # "paper": the default, "all": every scorer that counts
    default_pool: str
    items: ItemsSummary
    item_rows: list[ItemRowReport]
    intervals: dict[str, SourceIntervals]  # "human", "gpt4"
    irt: IrtReport
    agreement: AgreementReport | None  # None without a human fit and complete model answers
    planning: PlanningReport


# --- the living benchmark: held-out items and training-data cut-offs ------------------------


class SubsetFigures(TypedDict):
    """Accuracy on one set of the study's test items (in scope)."""

    n_items: int
    humans: Accuracy  # over the included trials on these items; Wilson (errs narrow)
    humans_interval: Interval | None  # 95% bootstrap over items (calibrated); None below 2
    models: dict[str, Accuracy]  # scorer name -> over these items; Wilson


class HeldOutReport(TypedDict):
    """Public against held-out items side by side (analysis.heldout; studies.heldout)."""

    share: float  # the study's setting
    n_items: int  # test items in scope
    public: SubsetFigures
    held_out: SubsetFigures
    note: str  # in words, e.g. why there is nothing to compare


class CutoffInfo(TypedDict):
    first: str  # YYYY-MM-DD, the first day the cut-off may mean
    last: str
    source: str  # where it is stated; or that the release month stands in for it
    stated: bool


class ModelCutoff(TypedDict):
    """One scorer's accuracy on the items published after its cut-off and before it."""

    name: str
    display_name: str
    cutoff: CutoffInfo | None  # None: no cut-off known (see note)
    after: Accuracy  # items whose every possible day is after the cut-off's last day; Wilson
    before: Accuracy  # items whose every possible day is before the cut-off's first day
    n_overlapping: int  # scored items whose date range overlaps the cut-off's: neither
    n_undated: int  # items in scope without a date
    note: str  # "no item published after its cut-off", "no cut-off known: ...", or ""


class MonthsBin(TypedDict):
    """Accuracy of every (scorer, item) pair whose months from cut-off to publication fall in
    [months_from, months_to); its interval resamples the items (their pairs go with them)."""

    months_from: int
    months_to: int
    n: int  # pairs
    k: int
    n_items: int
    n_scorers: int
    accuracy: float | None
    low: float | None
    high: float | None


class CutoffReport(TypedDict):
    """Accuracy by publication date against each model's training-data cut-off
    (analysis.cutoffs)."""

    n_items: int  # test items in scope
    n_dated: int
    date_precision: dict[str, int]  # day, month, year, range -> items
    date_sources: dict[str, int]  # where the dates come from, in words -> items
    models: list[ModelCutoff]
    bin_months: int
    months: list[MonthsBin]
    note: str


class StudyReport(ReportFigures):
    """The study report. The headline human figure (the paper's 63.4%) is
    ``report["sources"]["human"]["humans"]["accuracy"]``."""

    reproduction: Reproduction
    # None where it was not computed (``study_report(science=False)``): the dashboard's figures
    # under other rules, and its first look at a study while the worker fits the models.
    science: ScienceReport | None
    held_out: HeldOutReport
    cutoffs: CutoffReport


def paper_source(paper: PaperReport, source: str) -> PaperSource | None:
    """The paper's analyses of ``source``; None for "all" (the paper has no pooled figures)."""
    if source == "human":
        return paper["human"]
    if source == "gpt4":
        return paper["gpt4"]
    return None
