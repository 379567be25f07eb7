"""Outside reference for `npm run bench`: scikit-learn models on the same protocol as rebuy's
accuracy benchmark, to see how far the Audiobooks data can go. Not part of rebuy or its tests.

Protocol (as bench/core.ts): per split, undersample the non-buyers at random to balance the classes,
stratified 80/10/10 train/validation/test, standardize on the training part; report accuracy on the
balanced test part and ROC-AUC on a natural-mix test set (the test buyers plus unused rows drawn to
the data's own share of buyers). Mean ± sd over the splits.

    apt-get install -y python3-sklearn python3-pandas
    /usr/bin/python3 bench/reference/sklearn_protocol.py ../shared/data/audiobooks.csv [splits]
"""
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler


def derived(x):
    """rebuy's derived features: books bought, listened at all, review given, log1p of long tails."""
    books = x[:, 1] / np.maximum(x[:, 0], 1e-9)
    logs = np.log1p(x[:, [0, 1, 2, 3, 7, 8]])
    return np.c_[x, books, (x[:, 7] > 0).astype(float), x[:, 4], logs]


def models(seed):
    return {
        "logistic": (LogisticRegression(max_iter=2000), False),
        "mlp 2x50": (MLPClassifier((50, 50), early_stopping=True, n_iter_no_change=10, max_iter=300, random_state=seed), True),
        "gradient boosting": (HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, early_stopping=True, random_state=seed), True),
        "random forest": (RandomForestClassifier(n_estimators=300, min_samples_leaf=5, n_jobs=2, random_state=seed), False),
    }


def main():
    path = sys.argv[1]
    splits = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    data = pd.read_csv(path)
    x_raw = data.iloc[:, 1:11].to_numpy(float)
    y = data.iloc[:, 11].to_numpy(int)
    pos, neg = np.where(y == 1)[0], np.where(y == 0)[0]
    results = {}
    for seed in range(splits):
        rng = np.random.default_rng(seed)
        kept = rng.choice(neg, len(pos), replace=False)
        rows = np.r_[pos, kept]
        train, rest = train_test_split(rows, test_size=0.2, stratify=y[rows], random_state=seed)
        valid, test = train_test_split(rest, test_size=0.5, stratify=y[rest], random_state=seed)
        test_pos = test[y[test] == 1]
        pool = np.r_[test[y[test] == 0], np.setdiff1d(neg, kept)]
        natural = np.r_[test_pos, rng.choice(pool, round(len(test_pos) * len(neg) / len(pos)), replace=False)]
        for features, x in (("raw", x_raw), ("derived", derived(x_raw))):
            z = StandardScaler().fit(x[train]).transform(x)
            probabilities = {}
            for name, (model, uses_valid) in models(seed).items():
                fit_rows = np.r_[train, valid] if uses_valid else train  # these hold out their own part
                probabilities[name] = model.fit(z[fit_rows], y[fit_rows]).predict_proba(z)[:, 1]
            probabilities["mean of the four"] = np.mean(list(probabilities.values()), axis=0)
            for name, p in probabilities.items():
                accuracy = ((p[test] >= 0.5) == y[test]).mean()
                results.setdefault(f"{name}, {features} features", []).append((accuracy, roc_auc_score(y[natural], p[natural])))
        print(f"split {seed + 1}/{splits}", file=sys.stderr)
    print(f"scikit-learn on rebuy's protocol, {splits} random balanced splits (mean ± sd):")
    print(f"  {'model':38s} balanced-test acc   natural ROC-AUC")
    for name, values in results.items():
        a = np.array(values)
        print(f"  {name:38s} {a[:, 0].mean() * 100:5.1f} % ± {a[:, 0].std(ddof=1) * 100:.1f}      {a[:, 1].mean():.3f} ± {a[:, 1].std(ddof=1):.3f}")


if __name__ == "__main__":
    main()
