"""What a scorer's configuration may hold, and which of its fields decide what a score means.

The vocabulary shared by the Scorer model, its forms and admin, the published-model import and
the services; the tables themselves are scoring.models.
"""

from __future__ import annotations

from django.db import models

TEMPLATE_SLOT = "<choice abstract>"

# The fields that decide what a score means; a scorer's fingerprint is a hash of them.
CONFIG_FIELDS = (
    "model_source",
    "gguf_file",
    "revision",
    "dtype",
    "device",
    "prompt_template",
    "adapter",
    "bos",
    # Placement and checkpoint (issue 14). These count in the fingerprint only when set, so
    # the fingerprints of scorers configured before they existed stay as they were.
    "device_map",
    "max_memory",
    "quantization",
    "weights_sha256",
)
OPTIONAL_CONFIG_FIELDS = frozenset({"device_map", "max_memory", "quantization", "weights_sha256"})


class DType(models.TextChoices):
    AUTO = "auto", "auto (bf16 on GPU, fp32 on CPU)"
    BF16 = "bf16", "bfloat16"
    FP16 = "fp16", "float16"
    FP32 = "fp32", "float32"


class Device(models.TextChoices):
    AUTO = "auto", "auto"
    CUDA = "cuda", "cuda"
    CPU = "cpu", "cpu"


class Bos(models.TextChoices):
    TOKENIZER = "tokenizer", "as the tokenizer does by default"
    ADD = "add", "always prepend BOS (unless already there)"
    NONE = "none", "never prepend BOS"


class ModelKind(models.TextChoices):
    """What a scorer's model is, in the published data's words (published_models.csv ``kind``)."""

    BASE = "base", "base (pretrained)"
    CHAT = "chat", "chat"
    INSTRUCT = "instruct", "instruct"
    LORA = "lora", "LoRA fine-tune"
    FULL_FINETUNE = "full_finetune", "full fine-tune"
    SCRATCH = "scratch", "trained from scratch"


class Quantization(models.TextChoices):
    NONE = "", "none (the dtype above)"
    INT8 = "8bit", "8-bit (bitsandbytes, CUDA only)"
    NF4 = "4bit", "4-bit NF4 (bitsandbytes, CUDA only)"
