"""Outside reference for `npm run bench:models`: the seed notebooks' Keras pipeline on rebuy's splits.
Not part of rebuy or its tests.

The network and its training as the notebooks write them: Dense(50, relu), Dense(50, relu),
Dense(2, softmax); Adam with Keras' defaults; sparse categorical cross-entropy; batch 100, at most 100
epochs, shuffled every epoch; EarlyStopping(patience=2) on the validation loss, keeping the last
weights. The splits are rebuy's: the bench writes, per split, the rows of the training, validation
and balanced test parts (0-based data rows, file order) to SPLITS (JSON); inputs are standardized
with the training part's mean and standard deviation, as rebuy does. Prints JSON: balanced-test
accuracy per split.

    sh scripts/bench-python-env.sh
    .bench-python/bin/python bench/reference/keras_notebook.py ../shared/data/audiobooks.csv SPLITS.json
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pandas as pd
import tensorflow as tf


def main():
    data = pd.read_csv(sys.argv[1])
    with open(sys.argv[2]) as f:
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
            z[train], y[train], batch_size=100, epochs=100,
            callbacks=[tf.keras.callbacks.EarlyStopping(patience=2)],
            validation_data=(z[valid], y[valid]), verbose=0,
        )
        _, accuracy = model.evaluate(z[test], y[test], verbose=0)
        accuracies.append(float(accuracy))
        epochs.append(len(history.history["loss"]))
        print(f"split {len(accuracies)}/{len(splits)}: {accuracy:.4f} after {epochs[-1]} epochs", file=sys.stderr)
    print(json.dumps({"balancedAccuracy": accuracies, "epochs": epochs}))


if __name__ == "__main__":
    main()
