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
from course_lib.exercises import mlp as mlp_ex
from course_lib.exercises import tensors as tensors_ex

matplotlib.use("Agg")

GARBAGE = ["text", {"a": 1}, 3.5j, object()]


def assert_passed(feedback):
    assert feedback.passed is True, repr(feedback)


def assert_failed(feedback, *fragments):
    assert feedback.passed is False, repr(feedback)
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
    assert_not_answered(check(None, genes_by_cells))
    for garbage in GARBAGE:
        assert check(garbage, genes_by_cells).passed is False


def test_flatten(images):
    check = tensors_ex.check_flatten
    assert_passed(check(images.reshape(32, -1), images))
    assert_passed(check(ops.reshape(images, (32, 784)), images))
    assert_failed(check(images.reshape(32, -1).T, images), "axis 1")
    assert_failed(check(images.reshape(-1), images), "2-D")
    assert_failed(check(images.transpose(0, 2, 1, 3).reshape(32, -1), images), "different order")
    assert_failed(check(images[:, :, :14].reshape(32, -1), images), "(32, 784)")
    assert_not_answered(check(None, images))
    for garbage in GARBAGE:
        assert check(garbage, images).passed is False


def stable_softmax(z):
    e = ops.exp(z - ops.max(z, axis=-1, keepdims=True))
    return e / ops.sum(e, axis=-1, keepdims=True)


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

    def columns(z):
        e = ops.exp(z - ops.max(z))
        return e / ops.sum(e, axis=0, keepdims=True)

    def whole_batch(z):
        e = ops.exp(z - ops.max(z))
        return e / ops.sum(e)

    def no_keepdims(z):
        e = ops.exp(z - ops.max(z))
        return ops.sum(e, axis=-1)

    def axis_one(z):
        e = ops.exp(z - ops.max(z, axis=1, keepdims=True))
        return e / ops.sum(e, axis=1, keepdims=True)

    def crashes(z):
        raise ValueError("boom")

    assert_failed(check(naive), "overflow")
    assert_failed(check(columns), "axis=0")
    assert_failed(check(whole_batch), "sum to 1")
    assert_failed(check(no_keepdims), "(4, 3)")
    assert_failed(check(axis_one), "axis=-1")
    assert_failed(check(crashes), "ValueError")
    assert_failed(check(lambda z: z), "sum to 1")
    assert_failed(check(lambda z: "text"), "numbers")


def test_softmax_scaffold_and_garbage():
    def scaffold(z):
        return None

    assert_not_answered(tensors_ex.check_softmax(scaffold))
    assert_not_answered(tensors_ex.check_softmax(None))
    for garbage in GARBAGE + [np.zeros(3)]:
        assert_failed(tensors_ex.check_softmax(garbage), "function")


# ---------------------------------------------------------------- notebook 02
def compiled(model, optimizer="adam", loss="categorical_crossentropy"):
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


HISTORY = {"loss": [0.5, 0.3, 0.2], "accuracy": [0.85, 0.92, 0.94],
           "val_loss": [0.3, 0.25, 0.2], "val_accuracy": [0.91, 0.93, 0.94]}


def test_param_count():
    check = mlp_ex.check_param_count
    assert_passed(check(235_146))
    assert_passed(check(235_146.0))
    assert_passed(check(np.int64(235_146)))
    assert_failed(check(234_752), "biases")
    assert_failed(check(235_146 + 784), "input layer")
    assert_failed(check(623_290), "layer by layer")
    assert_failed(check(float("nan")), "whole number")
    assert_failed(check(1.5), "whole number")
    assert_failed(check(True), "number")
    assert_not_answered(check(None))
    for garbage in GARBAGE:
        assert check(garbage).passed is False


def test_small_model():
    check = mlp_ex.check_small_model
    right = compiled(models.build_mlp(hidden=(128,), dropout=0.2))
    assert_passed(check(right, HISTORY))
    assert "101,770" in check(right, HISTORY).message
    assert_failed(check(models.build_mlp(hidden=(128,), dropout=0.2), HISTORY), "not compiled")
    assert_failed(check(compiled(models.build_mlp(hidden=(128,), dropout=0.4)), HISTORY),
                  "rate 0.2")
    assert_failed(check(compiled(models.build_mlp(hidden=(256,), dropout=0.2)), HISTORY),
                  "128 units")
    assert_failed(check(compiled(models.build_mlp(hidden=(128, 64), dropout=0.2)), HISTORY),
                  "2 Dense layers")
    assert_failed(check(compiled(models.build_mlp(hidden=(128,), dropout=0.2), loss="mse"),
                        HISTORY), "categorical_crossentropy")
    assert_failed(check(right, None), "small_history is None")
    assert_failed(check(right, {"loss": [0.3]}), "val_accuracy")
    assert_failed(check(right, dict(HISTORY, val_accuracy=[0.5])), "only 0.500")
    assert_failed(check(right, "history"), "History")
    assert_not_answered(check(None, None))
    for garbage in GARBAGE:
        assert_failed(check(garbage, HISTORY), "Keras model")


def test_sgd_model():
    check = mlp_ex.check_sgd_model
    right = compiled(models.build_mlp(), keras.optimizers.SGD(learning_rate=0.01))
    assert_passed(check(right, HISTORY))
    assert_failed(check(compiled(models.build_mlp()), HISTORY), "Adam")
    assert_failed(check(compiled(models.build_mlp(), keras.optimizers.SGD(0.1)), HISTORY),
                  "learning rate is 0.1")
    assert_failed(check(compiled(models.build_mlp(), keras.optimizers.SGD(0.01, momentum=0.9)),
                        HISTORY), "momentum")
    assert_failed(check(compiled(models.build_mlp(hidden=(128,)),
                                 keras.optimizers.SGD(0.01)), HISTORY), "architecture")
    two_epochs = {k: v[:2] for k, v in HISTORY.items()}
    assert_failed(check(right, two_epochs), "3 epochs")
    assert_failed(check(right, None), "sgd_history is None")
    assert_not_answered(check(None, None))
    for garbage in GARBAGE:
        assert check(garbage, HISTORY).passed is False


def test_updates():
    check = mlp_ex.check_updates
    assert_passed(check({32: 939, 1024: 30}))
    assert_failed(check({32: 313, 1024: 10}), "one epoch")
    assert_failed(check({32: 936, 1024: 27}), "last, smaller batch")
    assert_failed(check({32: 900, 1024: 30}), "not right")
    assert_failed(check({32: 939}), "batch size 1024")
    assert_failed(check({32: "939", 1024: 30}), "number")
    assert_failed(check([939, 30]), "dict")
    assert_not_answered(check(None))
    for garbage in GARBAGE:
        assert check(garbage).passed is False


# ---------------------------------------------------------------- helpers used by 01 and 02
def test_gradient_descent_line_matches_keras_sgd():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 40).astype("float32")
    y = (2 * x + 1 + rng.normal(0, 0.1, 40)).astype("float32")
    path = models.gradient_descent_line(x, y, learning_rate=0.3, steps=40)
    assert len(path["w"]) == len(path["loss"]) == 41
    assert abs(path["w"][-1] - 2) < 0.15 and abs(path["b"][-1] - 1) < 0.1
    assert np.all(np.diff(path["loss"]) <= 1e-7)

    line = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    line.compile(optimizer=keras.optimizers.SGD(learning_rate=0.3), loss="mse")
    history = line.fit(x[:, None], y[:, None], batch_size=40, epochs=5, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], path["loss"][:5], rtol=1e-5)


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
    path = models.gradient_descent_line(x, 2 * x, steps=8)
    figures = [
        plotting.plot_count_block(rng.poisson(2, (4, 5)), [f"c{i}" for i in range(4)],
                                  list("abcde"), title="block"),
        plotting.plot_softmax([2.0, 1.0, 0.1], [0.66, 0.24, 0.1]),
        plotting.plot_line_fit(x, 2 * x, path, keras_losses=path["loss"][:-1]),
        plotting.plot_histories({"a": HISTORY, "b": {"val_loss": [0.4, 0.3]}}),
    ]
    for fig in figures:
        assert fig.axes
        plt.close(fig)
