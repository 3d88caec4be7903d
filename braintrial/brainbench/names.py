"""The names the published BrainBench data is known by: its bank, its study and its files.

Every importer, command and check reads the same spelling from here. The bank's name is owned by
the item bank (``items.bank_names``), below this package, because the Item and Study models take
it as their default bank.
"""

from __future__ import annotations

from braintrial.items.bank_names import PUBLISHED_BANK

# The item bank the published test cases live in.
BANK = PUBLISHED_BANK

# The study the published human-expert trials are imported as.
STUDY_SLUG = "brainbench-2024"
STUDY_TITLE = "BrainBench 2024 (Luo et al., published trials)"

# Files of the published data folder (settings.BRAINBENCH_DIR), as the data's README names them.
HUMAN_FILE = "BrainBench_Human_v0.1.csv"
GPT4_FILE = "BrainBench_GPT-4_v0.1.csv"
IDS_FILE = "abstract_id_doi.csv"
TRIALS_FILE = "participant_data.csv"
SCORES_FILE = "published_model_scores.csv"
MODELS_FILE = "published_models.csv"
TEMPLATES_DIR = "prompt_templates"
