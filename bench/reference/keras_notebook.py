"""Outside reference for `npm run bench:models`: the seed notebooks' Keras pipeline on rebuy's splits.
Not part of rebuy or its tests.

The network and its training as the notebooks write them: Dense(50, relu), Dense(50, relu),
Dense(2, softmax); Adam with Keras' defaults; sparse categorical cross-entropy; batch 100, at most 100
epochs; EarlyStopping(patience=2) on the validation loss, keeping the last weights. The splits are
rebuy's: the bench writes, per split, the rows of the training, validation and balanced test parts
(0-based data rows, file order) to SPLITS (JSON); inputs are standardized with the training part's mean
and standard deviation, as rebuy does. Prints JSON: balanced-test accuracy and epochs per split.

The notebooks set no seed, so `fit` draws a new order of the training rows every epoch. Seeded for
repeatability here, Keras 3's own `fit(shuffle=True)` would not: under `keras.utils.set_random_seed`
its shuffle restarts from the same state each epoch and replays one order in every epoch. So the
weights come from the split's seed, and the rows are shuffled afresh each epoch by a seeded tf.data
shuffle. `--one-order` runs Keras 3's seeded `fit(shuffle=True)` instead (one order for every epoch),
to measure what that difference does.

    sh scripts/bench-python-env.sh
    .bench-python/bin/python bench/reference/keras_notebook.py ../shared/data/audiobooks.csv SPLITS.json [--one-order]
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pandas as pd
import tensorflow as tf

BATCH_SIZE = 100


def training_rows(x, y, seed, one_order):
    """fit's arguments for the training rows: reshuffled every epoch, or (one_order) Keras 3's seeded shuffle."""
    if one_order:
        return {"x": x, "y": y, "batch_size": BATCH_SIZE, "shuffle": True}
    rows = tf.data.Dataset.from_tensor_slices((x, y))
    return {"x": rows.shuffle(len(y), seed=seed, reshuffle_each_iteration=True).batch(BATCH_SIZE)}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    one_order = "--one-order" in sys.argv[1:]
    data = pd.read_csv(args[0])
    with open(args[1]) as f:
        splits = json.load(f)
    x = data.iloc[:, 1:11].to_numpy(np.float64)
    y = data.iloc[:, 11].to_numpy(np.int64)
    accuracies = []
    epochs = []
    for split in splits:
        train, valid, test = (np.array(split[part]) for part in ("train", "valid", "test"))
        mean, std = x[train].mean(axis=0), x[train].std(axis=0)
        std[std == 0] = 1
        z = ((x - mean) / std).astype(np.float32)
        tf.keras.utils.set_random_seed(split["seed"])
        model = tf.keras.Sequential([
            tf.keras.Input(shape=(10,)),
            tf.keras.layers.Dense(50, activation="relu"),
            tf.keras.layers.Dense(50, activation="relu"),
            tf.keras.layers.Dense(2, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(
            **training_rows(z[train], y[train], split["seed"], one_order), epochs=100,
            callbacks=[tf.keras.callbacks.EarlyStopping(patience=2)],
            validation_data=(z[valid], y[valid]), validation_batch_size=BATCH_SIZE, verbose=0,
        )
        _, accuracy = model.evaluate(z[test], y[test], batch_size=BATCH_SIZE, verbose=0)
        accuracies.append(float(accuracy))
        epochs.append(len(history.history["loss"]))
        print(f"split {len(accuracies)}/{len(splits)}: {accuracy:.4f} after {epochs[-1]} epochs", file=sys.stderr)
    print(json.dumps({"balancedAccuracy": accuracies, "epochs": epochs}))


if __name__ == "__main__":
    main()
