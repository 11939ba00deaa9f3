"""Keeping a notebook's kernel small: return freed memory and retire finished models.

Binder gives a notebook about 2 GB; TensorFlow alone takes 0.7 GB of it, so a notebook
that trains several models has to give memory back as it goes.
"""

import ctypes
import gc


def release_memory():
    """Collect garbage and hand freed heap memory back to the OS (glibc's malloc_trim).

    Parsing a data set or training a model leaves many freed blocks that the C allocator
    would otherwise keep; on a small machine that decides whether a notebook fits.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows): nothing to do
        pass


def drop_compiled_functions(model):
    """Forget the train/test/predict functions Keras compiled for ``model`` (~15 MB each).

    The model stays usable: a later ``fit``, ``evaluate`` or ``predict`` compiles them again.
    """
    model.train_function = model.test_function = model.predict_function = None


def retire_model(*models):
    """Free the weights, optimizer state and compiled functions of models you are done with.

    The models become unusable; ``None`` entries (e.g. an unanswered exercise) are skipped.
    ``del model`` is not enough while anything else (a History, a result object, a traced
    graph) still refers to the model. On TensorFlow the graphs traced for ``fit`` keep its
    variables alive (tensorflow/tensorflow#61791), so every variable's value is replaced by
    an empty tensor; on JAX the arrays are deleted and the compiled XLA programs dropped.
    """
    models = [model for model in models if model is not None]
    variables = []
    for model in models:
        drop_compiled_functions(model)
        optimizer = getattr(model, "optimizer", None)
        variables += list(model.variables) + list(getattr(optimizer, "variables", []))
    _empty(variables)


def retire_optimizer(model):
    """Free the optimizer state of a model that is done training but still in use.

    Adam keeps two (with amsgrad three) numbers per weight, twice the model's own size or
    more; encoding and decoding do not need them. The model can no longer ``fit``.
    """
    drop_compiled_functions(model)
    _empty(list(model.optimizer.variables))


def _empty(variables):
    """Release the memory of Keras variables on the active backend (see retire_model)."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        for variable in variables:
            tf.raw_ops.AssignVariableOp(resource=variable.value.handle,
                                        value=tf.zeros([0], variable.dtype),
                                        validate_shape=False)
    elif backend == "jax" and variables:
        import jax

        for variable in variables:
            if not variable.value.is_deleted():  # two variables may share one array
                variable.value.delete()
        jax.clear_caches()
    release_memory()
