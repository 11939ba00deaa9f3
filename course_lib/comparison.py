"""Is a difference between two methods real? Reading the course's seed tables.

One training run is one draw: change the seed (the split of the molecules, the validation
cells, the initial weights, the order of the batches, KMeans) and every score moves.
``benchmarks/seeds.py`` reruns each single-cell comparison of notebooks 06 and 07 with
seeds 0-4 and stores every seed's scores in ``benchmarks/seeds.json``; the notebooks show
that table beside their one live run.

The course's rule (``verdict``): two methods run with the same seeds are compared seed by
seed; the difference counts only if the mean of the per-seed differences is larger than
twice their standard deviation. Otherwise we say "no difference at this size": not that the
methods are equal, but that five seeds cannot tell them apart.
"""

import json
from pathlib import Path

import numpy as np

STORE = Path(__file__).resolve().parent.parent / "benchmarks" / "seeds.json"
RULE = ("a difference counts only if the mean of the per-seed differences exceeds twice "
        "their standard deviation")
NO_DIFFERENCE = "no difference at this size"
# Scores where lower is better: losses, errors, and a two-sample test's distance from real
# cells (an RF AUC of 0.5 and an MMD of 0 mean indistinguishable)
LOWER_IS_BETTER = ("loss", "mae", "median_abs_error", "mmd", "rf_auc")


def lower_is_better(score):
    """True for a loss or an error (``LOWER_IS_BETTER``), False for a score to maximise."""
    return score.startswith(LOWER_IS_BETTER)


def load(part, store=STORE):
    """The stored run of one part of the seed benchmark: ``{"run": ..., "seeds": ...}``."""
    stored = json.loads(Path(store).read_text())
    if part not in stored:
        raise KeyError(f"{store} has no part {part!r} (it has {sorted(stored)}); run "
                       f"`make bench-seeds PART={part}` to make it")
    return stored[part]


def values(part, table, method, score, store=STORE):
    """One score of one method for every stored seed, in the order of the seeds."""
    seeds = load(part, store)["seeds"]
    return np.array([seeds[s][table][method][score] for s in sorted(seeds, key=int)], float)


def seed_table(part, table, scores=None, store=STORE):
    """A table's methods x scores as mean and sd over the seeds (a pandas DataFrame)."""
    import pandas as pd

    seeds = load(part, store)["seeds"]
    first = next(iter(seeds.values()))[table]
    scores = scores or list(next(iter(first.values())))
    columns = {}
    for score in scores:
        runs = np.array([[seeds[s][table][m][score] for s in seeds] for m in first], float)
        columns[score, "mean"] = runs.mean(1)
        columns[score, "sd"] = runs.std(1, ddof=1)
    frame = pd.DataFrame(columns, index=list(first))
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    frame.attrs["n"] = len(seeds)
    return frame


def verdict(a, b, higher_is_better=True, names=("A", "B")):
    """Apply the course's rule to paired per-seed scores ``a`` and ``b``.

    Returns ``{"mean": ..., "sd": ..., "n": ..., "verdict": ...}`` where mean and sd are those
    of the per-seed differences a - b and the verdict names the method that is ahead, or
    says ``NO_DIFFERENCE``.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError("verdict needs two equally long lists of per-seed scores (n >= 2)")
    gaps = a - b
    mean, sd = float(gaps.mean()), float(gaps.std(ddof=1))
    if abs(mean) <= 2 * sd or mean == 0:
        text = NO_DIFFERENCE
    else:
        text = f"{names[0] if (mean > 0) == higher_is_better else names[1]} ahead"
    return {"mean": mean, "sd": sd, "n": len(gaps), "verdict": text}


def compare(part, table, method_a, method_b, score, store=STORE):
    """``verdict`` on two methods of a stored seed table (lower is better for an error)."""
    return verdict(values(part, table, method_a, score, store),
                   values(part, table, method_b, score, store), not lower_is_better(score),
                   (method_a, method_b))


def verdict_table(part, table, pairs, scores, labels=None, store=STORE):
    """``compare`` for several (method A, method B) pairs and scores, as a DataFrame.

    Each cell reads "mean difference ± sd: verdict" for A - B over the stored seeds.
    ``labels`` maps stored method names to the names shown.
    """
    labels = labels or {}
    import pandas as pd

    rows = {}
    for a, b in pairs:
        row = {}
        for score in scores:
            result = verdict(values(part, table, a, score, store),
                             values(part, table, b, score, store), not lower_is_better(score),
                             (labels.get(a, a), labels.get(b, b)))
            row[score] = (f"{result['mean']:+.3g} ± {result['sd']:.2g}: "
                          f"{result['verdict']}")
        rows[f"{labels.get(a, a)} − {labels.get(b, b)}"] = row
    frame = pd.DataFrame(rows).T
    frame.index.name = f"A − B over {result['n']} seeds"
    return frame
