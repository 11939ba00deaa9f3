"""Keras 3 model builders used across the course (backend-agnostic: keras.ops only)."""

import keras
from keras import layers


def build_mlp(input_dim=784, hidden=(784,), dropout=0.4, n_classes=10, name="mlp"):
    """Sequential MLP classifier: Dense(relu) + Dropout per hidden layer, softmax output.

    The defaults are the original course's digit classifier (623,290 parameters).
    """
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(input_dim,)))
    for units in hidden:
        model.add(layers.Dense(units, activation="relu"))
        model.add(layers.Dropout(dropout))
    model.add(layers.Dense(n_classes, activation="softmax"))
    return model


def build_mlp_functional(input_dim=784, hidden=(784,), dropout=0.4, n_classes=10, name="mlp"):
    """The same MLP written with the Functional API (layers called on tensors)."""
    inputs = keras.Input(shape=(input_dim,), name="pixels")
    x = inputs
    for units in hidden:
        x = layers.Dense(units, activation="relu")(x)
        x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name=name)
