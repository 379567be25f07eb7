"""Outside reference for test/model/mlp.test.ts (run by bench/keras-steps.ts; not part of rebuy or its tests):
the notebooks' network trained by Keras from given initial weights, one epoch at a time over the training
rows in given orders, so that rebuy's training loop can be checked against Keras' numbers step for step.

Reads JSON on stdin: train and valid ({x: rows*cols numbers, y: 0/1}), cols, hidden, batchSize,
learningRate, initial (kernel, bias per layer, kernel row-major [inputs][units]) and orders (one list of
training-row indices per epoch). Dense(relu) hidden layers, Dense(2, softmax), Adam with Keras' defaults
but the learning rate, sparse categorical cross-entropy. The optimizer's state carries over between the
epochs' fit calls. Prints JSON: loss and valLoss per epoch, and the final weights in the same layout.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf


def main():
    spec = json.load(sys.stdin)
    cols = spec["cols"]

    def part(name):
        return np.array(spec[name]["x"], np.float32).reshape(-1, cols), np.array(spec[name]["y"], np.int64)

    (xt, yt), (xv, yv) = part("train"), part("valid")
    model = tf.keras.Sequential(
        [tf.keras.Input(shape=(cols,))]
        + [tf.keras.layers.Dense(units, activation="relu") for units in spec["hidden"]]
        + [tf.keras.layers.Dense(2, activation="softmax")]
    )
    shapes = [w.shape for w in model.get_weights()]
    model.set_weights([np.array(w, np.float32).reshape(shape) for w, shape in zip(spec["initial"], shapes)])
    model.compile(optimizer=tf.keras.optimizers.Adam(spec["learningRate"]), loss="sparse_categorical_crossentropy")
    loss, val_loss = [], []
    for order in spec["orders"]:
        order = np.array(order)
        history = model.fit(
            xt[order], yt[order], batch_size=spec["batchSize"], epochs=1, shuffle=False,
            validation_data=(xv, yv), validation_batch_size=spec["batchSize"], verbose=0,
        )
        loss.append(history.history["loss"][0])
        val_loss.append(history.history["val_loss"][0])
    weights = [w.reshape(-1).tolist() for w in model.get_weights()]
    print(json.dumps({"loss": loss, "valLoss": val_loss, "weights": weights}))


if __name__ == "__main__":
    main()
