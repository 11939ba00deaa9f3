"""Checks of notebooks 01 and 02: right answers pass, wrong ones explain, nothing raises.

Also the course_lib helpers those notebooks call: hand-made gradient descent, running a
model on another backend, and their figures.
"""

import importlib.util

import keras
import matplotlib
import numpy as np
import pytest
from keras import ops

from course_lib import models, plotting
from course_lib.exercises import NOT_YET
from course_lib.exercises import mlp as mlp_ex
from course_lib.exercises import tensors as tensors_ex

matplotlib.use("Agg")

GARBAGE = ["text", {"a": 1}, 3.5j, object()]


def assert_passed(feedback):
    assert feedback.passed is True, repr(feedback)


def assert_failed(feedback, *fragments):
    assert feedback.status == NOT_YET, repr(feedback)
    for fragment in fragments:
        assert fragment in feedback.message, repr(feedback)


def assert_not_answered(feedback):
    assert feedback.passed is None, repr(feedback)


# ---------------------------------------------------------------- notebook 01
@pytest.fixture(scope="module")
def genes_by_cells():
    return np.random.default_rng(0).poisson(1.0, size=(50, 100)).astype("float32")


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).integers(0, 256, size=(32, 28, 28, 1)).astype("uint8")


def test_samples_first(genes_by_cells):
    check = tensors_ex.check_samples_first
    assert_passed(check(genes_by_cells[:, :64].T, genes_by_cells))
    assert_passed(check(ops.transpose(ops.convert_to_tensor(genes_by_cells))[:64], genes_by_cells))
    assert_failed(check(genes_by_cells[:, :64], genes_by_cells), "genes x cells")
    assert_failed(check(genes_by_cells[:, :64].reshape(64, -1), genes_by_cells), "scrambled")
    assert_failed(check(genes_by_cells.T[-64:], genes_by_cells), "first 64 cells")
    assert_failed(check(genes_by_cells.T[:10], genes_by_cells), "shape (64, 50)")
    assert_failed(check(genes_by_cells[0], genes_by_cells), "2-D")
    assert_failed(check(genes_by_cells[:, :64].T * np.nan, genes_by_cells), "NaN")
    assert_failed(check([[None, 1.0]], genes_by_cells), "numbers only")
    assert_failed(check([[10 ** 400]], genes_by_cells), "numbers only")
    assert_not_answered(check(None, genes_by_cells))
    for garbage in GARBAGE:
        assert check(garbage, genes_by_cells).status == NOT_YET


def test_flatten(images):
    check = tensors_ex.check_flatten
    assert_passed(check(images.reshape(32, -1), images))
    assert_passed(check(ops.reshape(images, (32, 784)), images))
    assert_failed(check(images.reshape(32, -1).T, images), "axis 1")
    assert_failed(check(images.reshape(-1), images), "2-D")
    assert_failed(check(images.transpose(0, 2, 1, 3).reshape(32, -1), images), "different order")
    assert_failed(check(images[:, :, :14].reshape(32, -1), images), "(32, 784)")
    assert_failed(check(images.reshape(-1, 32), images), "axis 1")
    assert_failed(check(np.full((32, 784), np.inf), images), "infinite")
    assert_not_answered(check(None, images))
    for garbage in GARBAGE:
        assert check(garbage, images).status == NOT_YET


def stable_softmax(z):
    e = ops.exp(z - ops.max(z, axis=-1, keepdims=True))
    return e / ops.sum(e, axis=-1, keepdims=True)


def assert_not_yet(feedback, *fragments):
    assert feedback.status == NOT_YET, repr(feedback)
    for fragment in fragments:
        assert fragment in feedback.message, repr(feedback)


def test_softmax_right_answers():
    assert_passed(tensors_ex.check_softmax(stable_softmax))
    assert_passed(tensors_ex.check_softmax(ops.softmax))

    def numpy_softmax(z):
        z = np.asarray(z)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    assert_passed(tensors_ex.check_softmax(numpy_softmax))


def test_softmax_wrong_answers():
    check = tensors_ex.check_softmax

    def naive(z):
        return ops.exp(z) / ops.sum(ops.exp(z), axis=-1, keepdims=True)

    def batch_max(z):  # the max over every element, not per row
        e = ops.exp(z - ops.max(z))
        return e / ops.sum(e, axis=-1, keepdims=True)

    def columns(z):
        e = ops.exp(z - ops.max(z, axis=0, keepdims=True))
        return e / ops.sum(e, axis=0, keepdims=True)

    def whole_batch_sum(z):
        e = ops.exp(z - ops.max(z, axis=-1, keepdims=True))
        return e / ops.sum(e)

    def no_keepdims(z):
        e = ops.exp(z - ops.max(z, axis=-1, keepdims=True))
        return ops.sum(e, axis=-1)

    def axis_one(z):
        e = ops.exp(z - ops.max(z, axis=1, keepdims=True))
        return e / ops.sum(e, axis=1, keepdims=True)

    def no_exp(z):
        shifted = z - ops.min(z, axis=-1, keepdims=True) + 1
        return shifted / ops.sum(shifted, axis=-1, keepdims=True)

    def crashes(z):
        raise ValueError("\x1b[31mboom\x1b[0m")

    def forgets_return(z):
        e = ops.exp(z - ops.max(z, axis=-1, keepdims=True))
        e / ops.sum(e, axis=-1, keepdims=True)

    def all_nan(z):
        return ops.zeros_like(z) / 0.0

    assert_not_yet(check(naive), "overflow")
    assert_not_yet(check(batch_max), "whole batch", "each row on its own")
    assert_not_yet(check(columns), "columns sum to 1", "axis 0")
    assert_not_yet(check(whole_batch_sum), "whole batch sums to 1")
    assert_not_yet(check(no_keepdims), "(4, 3)")
    assert_not_yet(check(axis_one), "single vector", "last axis")
    assert_not_yet(check(no_exp), "not the softmax")
    feedback = check(crashes)
    assert_not_yet(feedback, "raised ValueError: boom")
    assert "\x1b" not in feedback.message
    assert_not_yet(check(forgets_return), "None", "return")
    assert_not_yet(check(all_nan), "nan")
    assert_not_yet(check(lambda z: z), "sum to 1")
    assert_not_yet(check(lambda z: "text"), "numbers")
    assert not any("0.665" in h for h in check(no_exp).hints)  # hints never give numbers away


def test_softmax_scaffold_and_garbage():
    def scaffold(z):
        # YOUR CODE HERE
        return None

    assert_not_answered(tensors_ex.check_softmax(scaffold))
    assert_not_answered(tensors_ex.check_softmax(None))
    for garbage in GARBAGE + [np.zeros(3)]:
        assert_not_yet(tensors_ex.check_softmax(garbage), "function")


def test_hints_come_in_steps_and_are_not_the_answer(genes_by_cells, images):
    for feedback in (tensors_ex.check_samples_first(genes_by_cells[:, :64], genes_by_cells),
                     tensors_ex.check_flatten(images.reshape(-1), images),
                     tensors_ex.check_softmax(lambda z: z)):
        assert len(feedback.hints) >= 2
        assert not any(".T" in h or "reshape(len" in h or "axis=-1, keepdims=True)" in h
                       for h in feedback.hints)


# ---------------------------------------------------------------- notebook 02
def compiled(model, optimizer="adam", loss="categorical_crossentropy"):
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def digits(n, seed):
    """Synthetic 'images': ten well-separated prototypes in [0, 1]^784 with noise."""
    rng = np.random.default_rng(seed)
    prototypes = np.random.default_rng(99).random((10, 784)) > 0.7
    labels = rng.integers(0, 10, n)
    x = np.clip(prototypes[labels] + rng.normal(0, 0.3, (n, 784)), 0, 1).astype("float32")
    return x, keras.utils.to_categorical(labels, 10)


X_SMALL, Y_SMALL = digits(400, 0)
X_VAL, Y_VAL = digits(200, 1)


def trained(model, epochs=3, optimizer="adam", loss="categorical_crossentropy"):
    keras.utils.set_random_seed(1)
    compiled(model, optimizer, loss)
    history = model.fit(X_SMALL, Y_SMALL, batch_size=32, epochs=epochs,
                        validation_data=(X_VAL, Y_VAL), verbose=0)
    return model, history


def own_small_model(units=128, rate=0.2, activation="relu", output="softmax", with_input=True):
    stack = [keras.layers.Dense(units, activation=activation), keras.layers.Dropout(rate),
             keras.layers.Dense(10, activation=output)]
    return keras.Sequential(([keras.Input(shape=(784,))] if with_input else []) + stack)


def test_param_count():
    check = mlp_ex.check_param_count
    assert_passed(check(235_146))
    assert_passed(check(235_146.0))
    assert_passed(check(np.int64(235_146)))
    assert_not_yet(check(234_752), "biases")
    assert_not_yet(check(235_146 + 784), "input layer")
    assert_not_yet(check(784 * 256 + 784 + 256 * 128 + 256 + 128 * 10 + 128), "per unit")
    assert_not_yet(check(623_290), "recount")
    assert "784*256" not in check(623_290).message
    assert_not_yet(check(float("nan")), "whole number")
    assert_not_yet(check(1.5), "whole number")
    assert_not_yet(check(10 ** 400), "recount")  # huge ints must not overflow
    assert_not_yet(check(float("inf")), "whole number")
    assert_not_yet(check(True), "number")
    assert_not_answered(check(None))
    for garbage in GARBAGE:
        assert_not_yet(check(garbage), "number")


@pytest.fixture(scope="module")
def small():
    return trained(own_small_model())


def test_small_model_right_answers(small):
    model, history = small
    feedback = mlp_ex.check_small_model(model, history, X_VAL, Y_VAL)
    assert_passed(feedback)
    assert "101,770" in feedback.message
    functional = models.build_mlp_functional(hidden=(128,), dropout=0.2)
    assert_passed(mlp_ex.check_small_model(*trained(functional), X_VAL, Y_VAL))


def test_small_model_wrong_answers(small):
    check = mlp_ex.check_small_model
    model, history = small
    assert_not_yet(check(own_small_model(with_input=False), history, X_VAL, Y_VAL),
                   "not built", "keras.Input(shape=(784,))")
    assert_not_yet(check(own_small_model(), history, X_VAL, Y_VAL), "not compiled")
    assert_not_yet(check(compiled(own_small_model(rate=0.4)), history, X_VAL, Y_VAL),
                   "rate is 0.4")
    assert_not_yet(check(compiled(own_small_model(units=256)), history, X_VAL, Y_VAL),
                   "128 units")
    assert_not_yet(check(compiled(own_small_model(activation="sigmoid")), history, X_VAL, Y_VAL),
                   "relu")
    assert_not_yet(check(compiled(own_small_model(output="relu")), history, X_VAL, Y_VAL),
                   "softmax")
    two_hidden = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(128, "relu"),
                                   keras.layers.Dense(64, "relu"), keras.layers.Dropout(0.2),
                                   keras.layers.Dense(10, "softmax")])
    assert_not_yet(check(compiled(two_hidden), history, X_VAL, Y_VAL), "2 Dense layers")
    assert_not_yet(check(compiled(own_small_model(), loss="mse"), history, X_VAL, Y_VAL),
                   "categorical cross-entropy")
    # compiled but never trained, with the History of another model
    fresh = compiled(own_small_model())
    assert_not_yet(check(fresh, history, X_VAL, Y_VAL), "another model")
    untrained, one_epoch = trained(own_small_model(), epochs=1)
    assert_not_yet(check(untrained, one_epoch, X_VAL, Y_VAL), "3 epochs")
    assert_not_yet(check(model, None, X_VAL, Y_VAL), "`small_history` is still None")
    assert_not_yet(check(model, history.history, X_VAL, Y_VAL), "History")
    shuffled = Y_VAL[np.random.default_rng(0).permutation(len(Y_VAL))]
    assert_not_yet(check(model, history, X_VAL, shuffled), "only")
    assert_not_answered(check(None, None, X_VAL, Y_VAL))
    for garbage in GARBAGE:
        assert_not_yet(check(garbage, history, X_VAL, Y_VAL), "Keras model")


def test_sgd_model():
    check = mlp_ex.check_sgd_model
    model, history = trained(models.build_mlp(), optimizer=keras.optimizers.SGD(0.01))
    assert_passed(check(model, history, X_VAL, Y_VAL))
    adam, adam_history = trained(models.build_mlp(), epochs=1)
    assert_not_yet(check(adam, adam_history, X_VAL, Y_VAL), "Adam")
    assert_not_yet(check(compiled(models.build_mlp(), keras.optimizers.SGD(0.1)), history,
                         X_VAL, Y_VAL), "learning rate is 0.1")
    assert_not_yet(check(compiled(models.build_mlp(), keras.optimizers.SGD(0.01, momentum=0.9)),
                         history, X_VAL, Y_VAL), "momentum")
    assert_not_yet(check(compiled(models.build_mlp(hidden=(128,)), keras.optimizers.SGD(0.01)),
                         history, X_VAL, Y_VAL), "architecture")
    unbuilt = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    assert_not_yet(check(unbuilt, history, X_VAL, Y_VAL), "not built")
    assert_not_yet(check(compiled(models.build_mlp(), keras.optimizers.SGD(0.01)), history,
                         X_VAL, Y_VAL), "another model")
    assert_not_yet(check(model, None, X_VAL, Y_VAL), "`sgd_history` is still None")
    assert_not_answered(check(None, None, X_VAL, Y_VAL))
    for garbage in GARBAGE:
        assert_not_yet(check(garbage, history, X_VAL, Y_VAL), "Keras model")


def test_updates():
    check = mlp_ex.check_updates
    assert_passed(check({32: 939, 1024: 30}))
    assert_passed(check({32: 939.0, 1024: np.int64(30)}))
    assert_not_yet(check({32: 313, 1024: 10}), "one epoch")
    assert_not_yet(check({32: 936, 1024: 27}), "last, smaller batch")
    assert_not_yet(check({32: 30_000, 1024: 30_000}), "one per batch")
    assert_not_yet(check({32: 900, 1024: 30}), "not right")
    assert "939" not in check({32: 900, 1024: 30}).message
    assert_not_yet(check({32: 939}), "batch size 1024")
    assert_not_yet(check({"32": 939, "1024": 30}), "not the text")
    assert_not_yet(check({32: None, 1024: 30}), "still None")
    assert_not_yet(check({32: 10 ** 400, 1024: 30}), "not right")
    assert_not_yet(check({32: "939", 1024: 30}), "number")
    assert_not_yet(check([939, 30]), "dict")
    assert_not_answered(check(None))
    for garbage in GARBAGE:
        assert check(garbage).status == NOT_YET


# ---------------------------------------------------------------- helpers used by 01 and 02
def test_predict_on_backend_degrades_without_the_backend(capsys):
    model = models.build_mlp_functional(input_dim=6, hidden=(4,), n_classes=3)
    assert models.predict_on_backend(model, np.ones((2, 6), "float32"),
                                     backend="no_such_backend_xyz") is None
    assert "not installed" in capsys.readouterr().out


def test_predict_on_backend_matches_tensorflow():
    backend = "jax" if importlib.util.find_spec("jax") else "numpy"
    model = models.build_mlp_functional(input_dim=6, hidden=(4,), n_classes=3)
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    outputs = models.predict_on_backend(model, x, backend=backend)
    assert outputs is not None
    np.testing.assert_allclose(outputs, model.predict(x, verbose=0), atol=1e-5)


def test_figures():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 20)
    path = {"w": np.linspace(0, 2, 9), "b": np.zeros(9), "loss": np.linspace(1, 0, 9)}
    figures = [
        plotting.plot_count_block(rng.poisson(2, (4, 5)), [f"c{i}" for i in range(4)],
                                  list("abcde"), title="block"),
        plotting.plot_softmax([2.0, 1.0, 0.1], [0.66, 0.24, 0.1]),
        plotting.plot_line_fit(x, 2 * x, path, keras_losses=path["loss"][:-1]),
        plotting.plot_histories({"a": {"loss": [0.5, 0.3], "val_loss": [0.3, 0.25]},
                                 "b": {"val_loss": [0.4, 0.3]}}),
    ]
    for fig in figures:
        assert fig.axes
        plt.close(fig)
