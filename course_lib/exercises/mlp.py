"""Checks for notebook 02 (an MLP on MNIST): parameters, a model of one's own, optimizer, batches."""

import math

import numpy as np

from course_lib.exercises import answers, call_student, exercise, expect

ORIGINAL_PARAMS = 623_290  # 784 -> Dense(784) -> Dropout -> Dense(10)


def _layer_summary(model):
    """Dense layers and Dropout rates of a model, in order."""
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
           f"{name} is not compiled yet: compile it like the baseline before training.")
    loss = _loss_name(model)
    expect("categorical_crossentropy" in loss and "sparse" not in loss,
           f"{name} is compiled with the loss {loss!r}; the labels are one-hot vectors, so "
           "use the categorical cross-entropy, as the baseline does.")


def _history_logs(history, model, model_name, name, epochs):
    """The metrics of a History that ``model.fit`` returned, with ``epochs`` epochs."""
    import keras

    expect(history is not None, f"{name} is None: keep what {model_name}.fit(...) returns in "
                                f"{name}.")
    expect(isinstance(history, keras.callbacks.History),
           f"{name} should be what {model_name}.fit(...) returns (a History), got a "
           f"{type(history).__name__}.")
    expect(getattr(history, "model", model) is model,
           f"{name} comes from training another model, not {model_name}: keep what "
           f"{model_name}.fit(...) returns.")
    logs = history.history
    expect("val_accuracy" in logs,
           f"{name} has no validation accuracy: train with validation_data=(x_val, y_val) "
           "and compile with metrics=['accuracy'], as the baseline does.")
    expect(len(logs["val_accuracy"]) == epochs,
           f"train for {epochs} epochs, like the baseline, so that the curves are comparable; "
           f"{name} has {len(logs['val_accuracy'])}.")
    return logs


def _accuracy(model, name, x, y):
    """Accuracy of a student model on (x, y), computed here from its predictions."""
    probabilities = np.asarray(call_student(model.predict, x, verbose=0,
                                            name=f"{name}.predict(x_val)"))
    expect(probabilities.shape == (len(x), 10),
           f"{name} should output 10 probabilities per image; it outputs shape "
           f"{probabilities.shape[1:]}.")
    return float((probabilities.argmax(axis=1) == np.asarray(y).argmax(axis=1)).mean())


@exercise("Count the parameters",
          hints=("Count layer by layer: each Dense layer has its own weights and its own "
                 "biases.",
                 "A Dense layer from n inputs to m units has one weight per (input, unit) pair "
                 "and one bias per unit.",
                 "The input layer has no parameters; there are three Dense layers."))
def check_param_count(n_params):
    """Parameters of 784 -> Dense(256) -> Dense(128) -> Dense(10)."""
    sizes = (784, 256, 128, 10)
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    biases = sum(sizes[1:])
    n_params = answers.whole_number(n_params, "n_params")
    expect(n_params != weights,
           f"{n_params:,} counts the weights but forgets the biases (one per unit).")
    expect(n_params != weights + biases + sizes[0],
           "you gave the input layer biases too; it has none, it just holds the pixels.")
    expect(n_params != sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:])),
           "each layer has one bias per unit it outputs, not per input it receives.")
    expect(n_params == weights + biases,
           f"{n_params:,} is not right: recount each of the three Dense layers, weights and "
           "biases.")
    return (f"{weights + biases:,} parameters: {weights:,} weights and {biases} biases, "
            f"{ORIGINAL_PARAMS / (weights + biases):.1f}x fewer than the original model.")


@exercise("A narrower model with less dropout", answers=2,
          hints=("Write it like the Sequential model of notebook 01: an input, then the layers "
                 "in order.",
                 "The hidden Dense layer has 128 units and relu; the Dropout layer comes "
                 "right after it; the output layer has one softmax unit per digit.",
                 "Compile and fit exactly as in the baseline cell; fit returns the History."))
def check_small_model(small_model, small_history, x_val, y_val, epochs=3, min_accuracy=0.9):
    """784 -> Dense(128, relu) -> Dropout(0.2) -> Dense(10, softmax), compiled and trained."""
    import keras

    model = answers.model(small_model, "small_model", input_dim=784)
    dense, rates = _layer_summary(model)
    expect(len(dense) == 2, f"small_model should have 2 Dense layers (hidden and output), "
                            f"it has {len(dense)}.")
    hidden, output = dense
    expect(hidden.units == 128, f"the hidden layer should have 128 units, it has {hidden.units}.")
    expect(_activation(hidden) == "relu",
           f"the hidden layer should use relu, it uses {_activation(hidden)}.")
    expect(len(rates) == 1, f"small_model should have one Dropout layer, it has {len(rates)}.")
    expect(math.isclose(rates[0], 0.2), f"the Dropout rate is {rates[0]:g}; use 0.2.")
    position = {id(layer): i for i, layer in enumerate(model.layers)}
    dropout = next(layer for layer in model.layers if isinstance(layer, keras.layers.Dropout))
    expect(position[id(hidden)] < position[id(dropout)] < position[id(output)],
           "the Dropout layer belongs between the hidden layer and the output layer.")
    expect(output.units == 10, f"the output layer should have 10 units, one per digit; it has "
                               f"{output.units}.")
    expect(_activation(output) == "softmax",
           f"the output layer uses {_activation(output)}; softmax turns its 10 outputs into "
           "probabilities.")
    _expect_compiled_classifier(model, "small_model")
    logs = _history_logs(small_history, model, "small_model", "small_history", epochs)
    accuracy = _accuracy(model, "small_model", x_val, y_val)
    expect(accuracy >= min_accuracy,
           f"small_model classifies only {accuracy:.1%} of the validation images correctly; "
           f"after {epochs} epochs it should get over {min_accuracy:.0%}. Was it trained on "
           "x_small, y_small like the baseline?")
    n_params = call_student(model.count_params, name="small_model.count_params()")
    return (f"{n_params:,} parameters (the original has {ORIGINAL_PARAMS:,}), validation "
            f"accuracy {accuracy:.3f} after {len(logs['val_accuracy'])} epochs.")


@exercise("Plain SGD instead of Adam", answers=2,
          hints=("Only the optimizer changes: the architecture, the loss, the data and the "
                 "number of epochs stay those of the baseline.",
                 "compile's optimizer argument also takes an optimizer object, which is where "
                 "the learning rate is set; keras.optimizers has one for plain SGD."))
def check_sgd_model(sgd_model, sgd_history, x_val, y_val, epochs=3):
    """The original architecture compiled with SGD(learning_rate=0.01) and trained."""
    import keras

    model = answers.model(sgd_model, "sgd_model", input_dim=784)
    n_params = call_student(model.count_params, name="sgd_model.count_params()")
    expect(n_params == ORIGINAL_PARAMS,
           f"sgd_model has {n_params:,} parameters, not the original model's "
           f"{ORIGINAL_PARAMS:,}: use the baseline's architecture so that only the optimizer "
           "changes.")
    _expect_compiled_classifier(model, "sgd_model")
    optimizer = model.optimizer
    expect(isinstance(optimizer, keras.optimizers.SGD),
           f"sgd_model is compiled with {type(optimizer).__name__}, not plain SGD.")
    rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    expect(math.isclose(rate, 0.01, rel_tol=1e-4), f"the learning rate is {rate:g}; use 0.01.")
    expect(float(keras.ops.convert_to_numpy(optimizer.momentum)) == 0.0,
           "keep momentum at 0: plain gradient descent.")
    _history_logs(sgd_history, model, "sgd_model", "sgd_history", epochs)
    accuracy = _accuracy(model, "sgd_model", x_val, y_val)
    return f"with plain SGD the validation accuracy after {epochs} epochs is {accuracy:.3f}."


@exercise("Batch size and the number of updates",
          hints=("Keras updates the weights once per batch. How many batches does one epoch "
                 "of 10,000 images have?",
                 "10,000 is not a multiple of 32 or of 1024: what does Keras do with the "
                 "images left over at the end of an epoch?",
                 "Then multiply by the number of epochs."))
def check_updates(updates, n_samples=10_000, epochs=3):
    """Weight updates in ``epochs`` epochs over ``n_samples`` samples, for batch sizes 32, 1024."""
    expect(isinstance(updates, dict),
           f"updates should be a dict with the batch sizes 32 and 1024 as keys, got a "
           f"{type(updates).__name__}.")
    for batch_size in (32, 1024):
        expect(batch_size in updates,
               f"updates has no entry for the batch size {batch_size}"
               + (f" (its keys should be the numbers 32 and 1024, not the text "
                  f"'{batch_size}')." if str(batch_size) in updates else "."))
        value = answers.whole_number(updates[batch_size], f"updates[{batch_size}]")
        per_epoch = math.ceil(n_samples / batch_size)
        expect(value != per_epoch,
               f"updates[{batch_size}] = {value} is the number of updates in one epoch; "
               f"there are {epochs} epochs.")
        expect(value != epochs * (n_samples // batch_size),
               f"updates[{batch_size}] = {value} leaves out the last, smaller batch of each "
               "epoch: it causes an update too.")
        expect(value != n_samples // batch_size, f"updates[{batch_size}] = {value} counts only "
               "the full batches of a single epoch.")
        expect(value != epochs * n_samples,
               f"updates[{batch_size}] = {value} counts one update per image; Keras makes "
               "one per batch.")
        expect(value == epochs * per_epoch, f"updates[{batch_size}] = {value} is not right.")
    return (f"{epochs * math.ceil(n_samples / 32)} small, noisy steps versus "
            f"{epochs * math.ceil(n_samples / 1024)} large, smooth ones.")
