"""course_lib.memory: freed memory goes back to the OS, retired models give theirs back."""

import gc
import os
import platform
import weakref

import numpy as np
import pytest

from course_lib.memory import release_memory, retire_model


def _resident_mib():
    with open("/proc/self/statm") as f:  # size, resident, ... in pages
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_release_memory_collects_reference_cycles():
    class Node:
        pass

    gc.disable()  # or the collector might run on its own first
    try:
        node = Node()
        node.itself = node
        alive = weakref.ref(node)
        del node
        assert alive() is not None  # a cycle: only the garbage collector frees it
        release_memory()
        assert alive() is None
    finally:
        gc.enable()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc" or not os.path.exists("/proc/self/statm"),
                    reason="malloc_trim and /proc are Linux glibc's")
def test_release_memory_returns_freed_heap_to_the_os():
    blocks = [b"x" * 65536 for _ in range(2000)]  # 125 MiB in malloc'd 64 KiB blocks
    # Every 100th block stays alive, the last one among them, so free() cannot shrink the
    # heap from its top: the freed blocks stay resident until malloc_trim hands them back.
    pinned = blocks[99::100]
    del blocks
    held = _resident_mib()
    release_memory()
    assert held - _resident_mib() > 60, "freed heap memory was not returned to the OS"
    del pinned


def test_retire_model_empties_weights_and_optimizer_state():
    import keras

    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4), keras.layers.Dense(8)])
    model.compile(optimizer=keras.optimizers.Adam(amsgrad=True), loss="mse")
    x = np.random.default_rng(0).random((32, 8), dtype="float32")
    model.fit(x, x, epochs=1, verbose=0)
    assert model.optimizer.variables
    retire_model(model, None)  # None (an unanswered exercise) is skipped
    assert model.train_function is None
    if keras.backend.backend() == "tensorflow":
        sizes = [int(np.size(keras.ops.convert_to_numpy(v.value)))
                 for v in model.variables + model.optimizer.variables]
        assert sizes and max(sizes) == 0
    if keras.backend.backend() == "jax":
        assert all(v.value.is_deleted() for v in model.variables + model.optimizer.variables)


def test_retire_optimizer_frees_adam_state_and_keeps_the_model_usable():
    import keras

    from course_lib.memory import retire_optimizer

    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(64), keras.layers.Dense(8)])
    model.compile(optimizer=keras.optimizers.Adam(amsgrad=True), loss="mse")
    x = np.random.default_rng(0).random((32, 8)).astype("float32")
    model.fit(x, x, epochs=1, verbose=0)
    before = model.predict(x, verbose=0)
    assert sum(np.size(v.numpy()) for v in model.optimizer.variables) > 1000
    retire_optimizer(model)
    assert sum(np.size(v.numpy()) for v in model.optimizer.variables) < 10
    np.testing.assert_allclose(model.predict(x, verbose=0), before, rtol=1e-6)
