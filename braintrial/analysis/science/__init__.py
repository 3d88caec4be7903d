"""Beyond the paper: what the items, the people and the models say about each other.

Pure numeric modules (numpy, scipy, statsmodels; no Django): item analysis (items.py), a
crossed random-effects model of correctness with a crossed bootstrap beside it (mixed.py), item
response theory with the models as test takers (irt.py) and study planning (planning.py).
"""
