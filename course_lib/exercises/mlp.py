"""Checks for notebook 02 (an MLP on MNIST): parameters, width and dropout, optimizer, batches."""

import math
import numbers

from course_lib.exercises import Incorrect, exercise, expect

ORIGINAL_PARAMS = 623_290  # 784 -> Dense(784) -> Dropout -> Dense(10)


def _history_dict(history, name):
    """The metrics dict of a Keras History (or the dict itself)."""
    logs = getattr(history, "history", history)
    expect(isinstance(logs, dict),
           f"{name} should be what model.fit(...) returns (a History), got a "
           f"{type(history).__name__}.")
    expect("val_accuracy" in logs,
           f"{name} has no 'val_accuracy': pass validation_data=(x_val, y_val) to fit and "
           "compile with metrics=['accuracy'].")
    expect(len(logs["val_accuracy"]) > 0, f"{name} records no epoch at all.")
    return logs


def _as_model(model, name):
    import keras

    expect(isinstance(model, keras.Model),
           f"{name} should be a Keras model, got a {type(model).__name__}.")
    return model


def _layer_summary(model):
    """Dense units/activations and Dropout rates of a model, in order."""
    import keras

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    rates = [float(layer.rate) for layer in model.layers
             if isinstance(layer, keras.layers.Dropout)]
    return dense, rates


def _activation(layer):
    return getattr(layer.activation, "__name__", str(layer.activation))


def _loss_name(model):
    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        return loss
    return str(getattr(loss, "name", None) or getattr(getattr(loss, "fn", None), "__name__", loss))


def _expect_compiled_classifier(model, name):
    expect(getattr(model, "compiled", False),
           f"{name} is not compiled yet: call {name}.compile(optimizer=..., "
           "loss='categorical_crossentropy', metrics=['accuracy']).")
    loss = _loss_name(model)
    expect("categorical_crossentropy" in loss and "sparse" not in loss,
           f"{name} is compiled with the loss {loss!r}; the labels are one-hot vectors, so "
           "use 'categorical_crossentropy'.")


@exercise("Count the parameters",
          hints="a Dense layer from n inputs to m units has n*m weights plus m biases.")
def check_param_count(n_params):
    """Parameters of 784 -> Dense(256) -> Dense(128) -> Dense(10)."""
    sizes = (784, 256, 128, 10)
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    biases = sum(sizes[1:])
    expect(isinstance(n_params, numbers.Real) and not isinstance(n_params, bool),
           f"n_params should be a number, got a {type(n_params).__name__}.")
    expect(math.isfinite(n_params) and float(n_params) == int(n_params),
           f"n_params should be a whole number, got {n_params}.")
    n_params = int(n_params)
    expect(n_params != weights,
           f"{n_params:,} counts the weights but forgets the biases (one per unit: "
           f"{biases} in all).")
    expect(n_params != weights + biases + sizes[0],
           "you gave the input layer biases too; it has none, it just holds the pixels.")
    expect(n_params == weights + biases,
           f"{n_params:,} is not right. Count layer by layer: 784*256 + 256, then "
           "256*128 + 128, then 128*10 + 10.")
    return (f"{weights + biases:,} parameters: {weights:,} weights and {biases} biases, "
            f"{ORIGINAL_PARAMS / (weights + biases):.1f}x fewer than the original model.")


@exercise("A narrower model with less dropout",
          hints="models.build_mlp(hidden=(128,), dropout=0.2), then compile as before and "
               "fit on x_small, y_small with validation_data=(x_val, y_val).")
def check_small_model(small_model, small_history=None):
    """784 -> Dense(128, relu) -> Dropout(0.2) -> Dense(10, softmax), compiled and trained."""
    model = _as_model(small_model, "small_model")
    dense, rates = _layer_summary(model)
    expect(len(dense) == 2, f"small_model should have 2 Dense layers (hidden and output), "
                            f"it has {len(dense)}.")
    expect(model.inputs[0].shape[-1] == 784,
           f"the input should be 784 pixels, not {model.inputs[0].shape[-1]}.")
    hidden, output = dense
    expect(hidden.units == 128, f"the hidden layer should have 128 units, it has {hidden.units}.")
    expect(_activation(hidden) == "relu",
           f"the hidden layer should use relu, it uses {_activation(hidden)}.")
    expect(rates == [0.2], f"expected one Dropout layer with rate 0.2, found rates {rates}.")
    expect(output.units == 10 and _activation(output) == "softmax",
           "the output layer should be Dense(10, activation='softmax'): one probability per "
           "digit.")
    _expect_compiled_classifier(model, "small_model")
    expect(small_history is not None,
           "small_history is None: keep what small_model.fit(...) returns in small_history.")
    logs = _history_dict(small_history, "small_history")
    accuracy = logs["val_accuracy"][-1]
    expect(accuracy >= 0.9,
           f"the validation accuracy is only {accuracy:.3f}; after a few epochs it should be "
           "above 0.9. Were the inputs scaled to [0, 1] and the labels one-hot?")
    return (f"{model.count_params():,} parameters (the original has {ORIGINAL_PARAMS:,}), "
            f"validation accuracy {accuracy:.3f} after {len(logs['val_accuracy'])} epoch(s).")


@exercise("Plain SGD instead of Adam",
          hints="compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), ...) on a fresh "
               "models.build_mlp(), then fit for 3 epochs.")
def check_sgd_model(sgd_model, sgd_history=None, epochs=3):
    """The original architecture compiled with SGD(learning_rate=0.01) and trained."""
    import keras

    model = _as_model(sgd_model, "sgd_model")
    expect(model.count_params() == ORIGINAL_PARAMS,
           f"sgd_model has {model.count_params():,} parameters; use the original "
           f"architecture (models.build_mlp(), {ORIGINAL_PARAMS:,} parameters) so that only "
           "the optimizer changes.")
    _expect_compiled_classifier(model, "sgd_model")
    optimizer = model.optimizer
    expect(isinstance(optimizer, keras.optimizers.SGD),
           f"sgd_model is compiled with {type(optimizer).__name__}; use "
           "keras.optimizers.SGD(learning_rate=0.01).")
    rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    expect(math.isclose(rate, 0.01, rel_tol=1e-4),
           f"the learning rate is {rate:g}; use 0.01.")
    expect(float(keras.ops.convert_to_numpy(optimizer.momentum)) == 0.0,
           "keep momentum at 0: plain gradient descent.")
    expect(sgd_history is not None,
           "sgd_history is None: keep what sgd_model.fit(...) returns in sgd_history.")
    logs = _history_dict(sgd_history, "sgd_history")
    expect(len(logs["val_accuracy"]) == epochs,
           f"train for {epochs} epochs, like the Adam baseline, so the curves are "
           f"comparable; sgd_history has {len(logs['val_accuracy'])}.")
    return (f"with plain SGD the validation accuracy after {epochs} epochs is "
            f"{logs['val_accuracy'][-1]:.3f}.")


@exercise("Batch size and the number of updates",
          hints="one update per batch; an epoch has ceil(10000 / batch_size) batches, the last "
               "one possibly smaller.")
def check_updates(updates, n_samples=10_000, epochs=3):
    """Weight updates in ``epochs`` epochs over ``n_samples`` samples, for batch sizes 32, 1024."""
    expect(isinstance(updates, dict),
           f"updates should be a dict like {{32: ..., 1024: ...}}, got a "
           f"{type(updates).__name__}.")
    for batch_size in (32, 1024):
        expect(batch_size in updates, f"updates has no entry for batch size {batch_size}.")
        value = updates[batch_size]
        expect(isinstance(value, numbers.Real) and not isinstance(value, bool),
               f"updates[{batch_size}] should be a number, got a {type(value).__name__}.")
        per_epoch = math.ceil(n_samples / batch_size)
        expect(value != per_epoch,
               f"updates[{batch_size}] = {value} is the number of updates in one epoch; "
               f"there are {epochs} epochs.")
        expect(value != epochs * (n_samples // batch_size),
               f"updates[{batch_size}] = {value} leaves out the last, smaller batch of each "
               "epoch: it causes an update too.")
        if value != epochs * per_epoch:
            raise Incorrect(f"updates[{batch_size}] = {value} is not right: "
                            f"{n_samples:,} samples in batches of {batch_size} ...")
    return (f"{epochs * math.ceil(n_samples / 32)} small, noisy steps versus "
            f"{epochs * math.ceil(n_samples / 1024)} large, smooth ones.")
