"""Outside reference for `npm run bench:auto`: the scikit-learn models of sklearn_protocol.py (raw and
rebuy's derived features, and the mean of the four) fitted on rebuy's own splits, so that rebuy's
`--model auto` can be compared split by split. Not part of rebuy or its tests.

    .bench-python/bin/python bench/reference/sklearn_splits.py ../shared/data/audiobooks.csv SPLITS.json

SPLITS.json: a list of {seed, train, valid, test, naturalTest} row indices (rows in file order).
Prints one JSON line: {model: {"balancedAccuracy": [...], "rocAuc": [...]}} (natural ROC-AUC).
"""
import json
import sys

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from sklearn_protocol import derived, models


def main():
    data = pd.read_csv(sys.argv[1])
    with open(sys.argv[2]) as f:
        splits = json.load(f)
    x_raw = data.iloc[:, 1:11].to_numpy(float)
    y = data.iloc[:, 11].to_numpy(int)
    results = {}
    for k, split in enumerate(splits):
        train, valid, test, natural = (np.array(split[part], dtype=int) for part in ("train", "valid", "test", "naturalTest"))
        for features, x in (("raw", x_raw), ("derived", derived(x_raw))):
            z = StandardScaler().fit(x[train]).transform(x)
            probabilities = {}
            for name, (model, uses_valid) in models(split["seed"]).items():
                fit_rows = np.r_[train, valid] if uses_valid else train  # these hold out their own part
                probabilities[name] = model.fit(z[fit_rows], y[fit_rows]).predict_proba(z)[:, 1]
            probabilities["mean of the four"] = np.mean(list(probabilities.values()), axis=0)
            for name, p in probabilities.items():
                entry = results.setdefault(f"{name}, {features} features", {"balancedAccuracy": [], "rocAuc": []})
                entry["balancedAccuracy"].append(float(((p[test] >= 0.5) == y[test]).mean()))
                entry["rocAuc"].append(float(roc_auc_score(y[natural], p[natural])))
        print(f"split {k + 1}/{len(splits)}", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
