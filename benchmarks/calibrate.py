"""How fast is this machine? Fixed reference work, so benchmark runs on different machines compare.

Two 2-core machines of the kind the course runs on differ by 1.7x or more on the same commit,
and a time alone does not say which one it came from. ``make bench`` therefore measures,
in a fresh process with the kernels' environment (same backend, same threads):

* ``gemm_gflops``: the backend's single-precision matrix product (2048 x 2048), the rate
  every dense layer is built on; the ceiling no training loop on this machine can beat;
* ``mlp_epoch_seconds``: one epoch of a fixed Keras MLP (784-512-512-10, batch 128, 60,000
  rows), the course's typical work with Keras' per-step overhead included. It is the
  reference unit: a notebook's time divided by it is the same number on a faster machine.

Run alone: ``python benchmarks/calibrate.py`` prints the figures as JSON.
"""

import json
import os
import subprocess
import sys
import time
from itertools import pairwise

import course_lib  # noqa: F401  (before Keras: quiet TensorFlow, the course's default backend)

MLP_UNITS = (784, 512, 512, 10)
MLP_ROWS, MLP_BATCH = 60_000, 128
GEMM_N = 2048


def mlp_flops_per_epoch():
    """Multiply-adds of the MLP's forward pass x 2 FLOPs x 3 (forward, two backward products)."""
    weights = sum(a * b for a, b in pairwise(MLP_UNITS))
    return 2 * 3 * weights * MLP_ROWS


def _best_seconds(work, repeats=5):
    """The fastest of ``repeats`` timed calls of ``work`` (after one untimed warm-up call):
    other processes can only slow a run down, so the minimum is the machine's own speed."""
    work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def gemm_gflops():
    """The backend's float32 matrix-product rate on this machine, GFLOP/s (best of 5)."""
    import keras
    import numpy as np

    a = keras.ops.convert_to_tensor(np.random.default_rng(0).standard_normal(
        (GEMM_N, GEMM_N), dtype=np.float32))
    seconds = _best_seconds(lambda: keras.ops.convert_to_numpy(keras.ops.matmul(a, a)[0, 0]))
    return round(2 * GEMM_N ** 3 / seconds / 1e9, 1)


def measure():
    """The calibration figures of this process's machine and backend (a dict)."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    gemm = gemm_gflops()
    x = np.random.default_rng(1).standard_normal((MLP_ROWS, MLP_UNITS[0]), dtype=np.float32)
    y = np.random.default_rng(2).integers(0, MLP_UNITS[-1], MLP_ROWS)
    model = keras.Sequential([keras.Input((MLP_UNITS[0],))]
                             + [keras.layers.Dense(n, activation="relu") for n in MLP_UNITS[1:-1]]
                             + [keras.layers.Dense(MLP_UNITS[-1])])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    epoch = _best_seconds(lambda: model.fit(x, y, batch_size=MLP_BATCH, epochs=1, verbose=0),
                          repeats=2)
    return {"backend": keras.backend.backend(), "cpu_count": os.cpu_count(),
            "gemm_gflops": gemm,
            "mlp_epoch_seconds": round(epoch, 2),
            "mlp_gflops": round(mlp_flops_per_epoch() / epoch / 1e9, 1)}


def run_script(script, env, timeout=900):
    """Run a benchmark ``script`` in a fresh Python process with the environment ``env``;
    return the JSON it prints last."""
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, check=False, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"{script} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def calibrate(env):
    """``measure()`` in a fresh Python process with the environment ``env``."""
    return run_script(__file__, env)


if __name__ == "__main__":
    print(json.dumps(measure()))
