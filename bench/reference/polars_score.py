"""A reference for the scoring benchmark: the CSV->CSV job of `rebuy score` as a data scientist would
script it: polars reads the customers, onnxruntime scores them with the bundle's model.onnx, best
first (equal probabilities in file order), written as id, probability, label, rank. Not part of rebuy.

Usage: .bench-python/bin/python bench/reference/polars_score.py BUNDLE_DIR IN.csv OUT.csv
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import polars as pl

bundle, source, target = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
threshold = json.loads((bundle / "manifest.json").read_text())["threshold"]
session = ort.InferenceSession(bundle / "model.onnx")

# The published Audiobooks header, named as the model's inputs.
names = {
    "ID": "id",
    "Book length(mins)_overall": "book_length_overall",
    "Book length(mins)_avg": "book_length_avg",
    "Price_overall": "price_overall",
    "Price_avg": "price_avg",
    "Review": "review",
    "Review ?/10": "review_score",
    "Completion": "completion",
    "Listened(mins)": "minutes_listened",
    "Support request": "support_requests",
    "Last visited after Purchase date ": "last_visit_days",
}
dtypes = {"tensor(double)": np.float64, "tensor(float)": np.float32, "tensor(int64)": np.int64, "tensor(string)": np.str_}

types = {header: pl.String if header == "ID" else pl.Float64 for header in names}
customers = pl.read_csv(source, schema_overrides=types).rename(names, strict=False)
feeds = {i.name: customers[i.name].to_numpy().astype(dtypes[i.type]) for i in session.get_inputs()}
(probability,) = session.run(["probability"], feeds)

scores = (
    customers.select("id")
    .with_columns(probability=probability.ravel())
    .sort("probability", descending=True, maintain_order=True)
    .with_columns(label=(pl.col("probability") >= threshold).cast(pl.Int8), rank=pl.int_range(1, pl.len() + 1))
)
scores.write_csv(target)
# On disk before exit, as rebuy writes: else the next process in the bench pays for the flush.
with open(target, "rb") as f:
    os.fsync(f.fileno())
