"""Outside reference for `npm run bench:models`: what a careful analyst gets in a few lines on a new
customer table: one-hot encoding of the categorical columns, mean imputation with a missing indicator
and standardization of the numeric ones, and an L2-regularized logistic regression whose strength is
chosen by 5-fold cross-validation on the training rows (LogisticRegressionCV, by log-loss). Not part
of rebuy or its tests.

The folds are rebuy's: the bench writes one fold number per data row (in file order) to FOLDS; fold k
trains on every row of the other folds and is scored by ROC-AUC on its own rows. Prints JSON.

    sh scripts/bench-python-env.sh
    .bench-python/bin/python bench/reference/sklearn_new_tables.py DATA.csv FOLDS.txt TARGET
"""
import json
import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def main():
    path, folds_path, target = sys.argv[1], sys.argv[2], sys.argv[3]
    data = pd.read_csv(path, keep_default_na=True)
    folds = np.loadtxt(folds_path, dtype=int)
    raw = data.pop(target)
    y = raw.map(lambda v: 1 if str(v).strip().lower() in ("1", "yes", "true", "y") else 0).to_numpy()
    x = data.drop(columns=[c for c in data.columns if c.lower() in ("id", "customer_id")])
    numeric = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c])]
    categorical = [c for c in x.columns if c not in numeric]
    aucs = []
    for k in sorted(set(folds)):
        train, test = folds != k, folds == k
        prep = ColumnTransformer([
            ("numeric", make_pipeline(SimpleImputer(strategy="mean", add_indicator=True), StandardScaler()), numeric),
            ("categorical", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"), OneHotEncoder(handle_unknown="ignore")), categorical),
        ])
        model = make_pipeline(prep, LogisticRegressionCV(Cs=10, cv=5, scoring="neg_log_loss", max_iter=5000))
        model.fit(x[train], y[train])
        aucs.append(roc_auc_score(y[test], model.predict_proba(x[test])[:, 1]))
    print(json.dumps({"rocAuc": aucs}))


if __name__ == "__main__":
    main()
