"""A tiny causal language model built in well under two seconds, for engine and task tests.

A byte-level BPE tokenizer (vocabulary ~500) trained on a few hundred words of
neuroscience-abstract-like text, and a seeded random-weight GPT-2 with two layers of 64
dimensions. Byte-level means any text tokenises, BrainBench abstracts included.
"""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

BOS, EOS, PAD = "<s>", "</s>", "<pad>"
VOCAB_SIZE = 500
# Long enough for any BrainBench abstract at this small vocabulary.
N_POSITIONS = 4096
SEED = 1234

_CORPUS = """
To fluidly engage with the world, our brains must represent both the scene in front of us and
our memory of the surrounding environment. Here, we asked this question using virtual reality
and fMRI. Human participants of both sexes learned a set of environments. Activity in three
patches of cortex was modulated by the amount of known visuospatial context. Neurons in the
hippocampus fire in sequences during sleep and rest, and these replay events predict memory.
We recorded from the prefrontal cortex of mice while they performed a decision task. Dopamine
release in the striatum increased after reward, whereas it decreased after omission. Synaptic
plasticity at excitatory synapses depends on calcium influx through NMDA receptors. We found
that inhibition of parvalbumin interneurons impaired gamma oscillations and working memory.
Patients with Parkinson's disease showed reduced beta power in the subthalamic nucleus.
Results: the effect was larger in older adults than in younger adults (p < 0.05, n = 24).
Contrary to our hypothesis, the lesion did not affect learning; instead it enhanced recall.
These findings suggest that the thalamus gates sensory information to the cortex. Microglia
prune synapses during development, and astrocytes regulate extracellular potassium. Axonal
regeneration after spinal cord injury was improved by the treatment in rats and in monkeys.
The amygdala responded more strongly to fearful faces than to neutral faces, and this
response was reduced by anxiolytic drugs. Cerebellar Purkinje cells encode motor errors.
Significance Statement: this study reveals a mechanism by which the brain stores memories.
"""


def _train_tokenizer(*, adds_bos: bool) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=[PAD, BOS, EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([_CORPUS] * 3, trainer=trainer)
    if adds_bos:
        # Like Llama's tokenizer: every encoding starts with BOS.
        tokenizer.post_processor = processors.TemplateProcessing(
            single=f"{BOS} $A",
            pair=f"{BOS} $A {BOS} $B",
            special_tokens=[(BOS, tokenizer.token_to_id(BOS))],
        )
    else:
        tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    return tokenizer


def build_tiny_model(directory: Path, *, tokenizer_adds_bos: bool = True) -> Path:
    """Write a tiny tokenizer + GPT-2 into directory (created if needed) and return it.

    tokenizer_adds_bos: whether the tokenizer's defaults put BOS first (like Llama) or add no
    special tokens at all (like SmolLM2), to exercise each BOS mode.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    backend = _train_tokenizer(adds_bos=tokenizer_adds_bos)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token=BOS, eos_token=EOS, pad_token=PAD
    )
    tokenizer.save_pretrained(directory)

    torch.manual_seed(SEED)
    config = GPT2Config(
        vocab_size=backend.get_vocab_size(),
        n_positions=N_POSITIONS,
        n_embd=64,
        n_layer=2,
        n_head=4,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = GPT2LMHeadModel(config)
    # Larger than the default init so that token probabilities differ visibly.
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_(0.0, 0.2)
    model.eval()
    model.save_pretrained(directory)
    return directory
