"""The published BrainBench data (Luo et al. 2024): its names, its parsers and its importers.

Kept free of imports so that ``braintrial.brainbench.names`` can be read by the models at the
bottom of the house without loading anything else.
"""
