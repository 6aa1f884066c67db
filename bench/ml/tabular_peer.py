"""scikit-learn on the splits Trove made: the peer of bench/ml/tabular-parity.ts.

Reads a job (JSON on stdin): for each dataset, its CSV, label column and, per seed, the row ids
(1-based, in file order) of Trove's train, validation and test splits. Fits StandardScaler +
LogisticRegression and StandardScaler + MLPClassifier on train + validation (scikit-learn has no
use for a separate validation split with default settings) and prints, as JSON on stdout, each
model's test accuracy and fit seconds per dataset and seed.
"""
import csv
import json
import sys
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def read_table(path, label):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    features = [c for c in rows[0] if c != label]
    x = [[float(r[c]) for c in features] for r in rows]
    y = [r[label] for r in rows]
    return x, y


def models(seed):
    return {
        "logreg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, random_state=seed)),
        "mlp": make_pipeline(StandardScaler(), MLPClassifier(max_iter=2000, random_state=seed)),
    }


def score(x, y, split, seed):
    fit_rows = [i - 1 for i in split["train"] + split["val"]]
    test_rows = [i - 1 for i in split["test"]]
    out = {}
    for name, model in models(seed).items():
        started = time.perf_counter()
        model.fit([x[i] for i in fit_rows], [y[i] for i in fit_rows])
        seconds = time.perf_counter() - started
        accuracy = model.score([x[i] for i in test_rows], [y[i] for i in test_rows])
        out[name] = {"accuracy": accuracy, "seconds": seconds}
    return out


def main():
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    job = json.load(sys.stdin)
    result = {}
    for dataset in job["datasets"]:
        x, y = read_table(dataset["file"], dataset["label"])
        result[dataset["name"]] = {str(s["seed"]): score(x, y, s, s["seed"]) for s in dataset["splits"]}
    json.dump(result, sys.stdout)


main()
