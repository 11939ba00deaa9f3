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


def retire_model(*models):
    """Free the weights and optimizer state of models you are done with; they become unusable.

    On the TensorFlow backend ``del model`` is not enough: the graphs traced for ``fit``
    stay alive after the model is gone and keep its variables, weights and optimizer
    slots alike (tensorflow/tensorflow#61791). Replacing every variable's value by an
    empty tensor frees that memory. Other backends free it on ``del``; here nothing to do.
    """
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        for model in models:
            optimizer = getattr(model, "optimizer", None)
            variables = list(model.variables) + list(getattr(optimizer, "variables", []))
            for variable in variables:
                tf.raw_ops.AssignVariableOp(resource=variable.value.handle,
                                            value=tf.zeros([0], variable.dtype),
                                            validate_shape=False)
    release_memory()
