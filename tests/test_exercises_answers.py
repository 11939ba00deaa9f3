"""course_lib.exercises.answers: every slip in a numeric answer becomes one sentence."""

import math

import keras
import numpy as np
import pytest

from course_lib.exercises import Incorrect, answers


def message(function, *args):
    with pytest.raises(Incorrect) as err:
        function(*args)
    return str(err.value)


def test_one_number_from_a_float_an_array_or_a_scalar_tensor():
    for value in (0.5, np.float32(0.5), np.array([[0.5]]), keras.ops.convert_to_tensor(0.5)):
        assert answers.number(value, "x") == pytest.approx(0.5)


@pytest.mark.parametrize("value, words", [
    (None, "x is still None."),
    ("0.5", "x should be one number (a loss), got a str."),
    (True, "x should be one number (a loss), got a bool."),
    ([0.5], "x should be one number (a loss), got a list."),
    (np.ones(3), "x should be one number (a loss), got 3 numbers (shape (3,))."),
    (float("nan"), "x is nan: it should be a finite number (a loss)."),
    (10 ** 400, "x is too large: it should be a finite number (a loss)."),
    (object(), "x should be one number (a loss), got a object."),
])
def test_what_is_not_one_number_is_said_plainly(value, words):
    assert message(answers.number, value, "x", " (a loss)") == words


def test_whole_numbers_are_exact_and_accept_whole_floats():
    assert answers.whole_number(939.0, "n") == 939
    assert answers.whole_number(np.int64(30), "n") == 30
    assert answers.whole_number(10 ** 30, "n") == 10 ** 30
    for value in (2.5, math.inf, math.nan, "3", [3], True):
        assert "n should be a whole number" in message(answers.whole_number, value, "n")


def test_a_list_of_numbers_names_the_entry_that_is_wrong():
    np.testing.assert_array_equal(answers.number_list((1, np.float32(2)), "pair", 2), [1, 2])
    assert message(answers.number_list, [1, None], "pair", 2) == "pair[1] is still None."
    assert message(answers.number_list, [1], "pair", 2) == "pair should have 2 entries, it has 1."
    assert message(answers.number_list, 3.0, "pair", 2) == (
        "pair should be a list of 2 numbers, got a float.")


def test_a_model_must_be_a_built_keras_model_of_the_right_width():
    right = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
    assert answers.model(right, "m", input_dim=4) is right
    assert answers.model(right, "m") is right
    assert message(answers.model, "m", "m") == "m should be a Keras model (a keras.Model), got a str."
    assert "m is not built yet" in message(answers.model, keras.Sequential([keras.layers.Dense(2)]),
                                           "m", 4)
    assert message(answers.model, right, "m", 8) == "m takes inputs of 4 numbers; it should take 8."


def test_close_forgives_float32_noise_and_nothing_more():
    exact = np.array([1.0, -2.0, 3e-3])
    noisy = exact.astype("float32") * (1 + 1e-7)  # what a float32 model computes
    assert answers.close(noisy, exact, rtol=1e-6)
    assert not answers.close(2 * exact, exact)
    assert not answers.close(-exact, exact)
    assert answers.close(np.zeros(4), 0.0, atol=1e-5)  # one reference number for every entry


def test_close_needs_the_reference_shape():
    exact = np.arange(6.0)
    assert not answers.close(exact.reshape(6, 1), exact)
    assert not answers.close(exact[:5], exact)
    assert not answers.close(1.0, exact)


def test_close_relative_to_the_largest_entry_judges_near_zero_entries_by_the_whole():
    expression = np.array([5.0, 0.0, 1e-4])
    off_near_zero = expression + np.array([0.0, 2e-3, 2e-3])
    assert not answers.close(off_near_zero, expression, rtol=1e-3)  # 2e-3 is 20x the entry 1e-4
    assert answers.close(off_near_zero, expression, rtol=1e-3, relative_to="largest")  # < 5e-3
    assert not answers.close(expression * 1.01, expression, rtol=1e-3, relative_to="largest")
