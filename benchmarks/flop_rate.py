"""How close each notebook's main training comes to the machine's limit.

For the model a notebook trains longest, this script builds it as that notebook does (the
library's builders, the notebook's sizes, loss and batch size), trains it with ``fit`` on
random inputs of the notebook's shape, and reports the achieved rate:

    FLOPs per training step x steps / seconds

next to the backend's matrix-product rate (``calibrate.gemm_gflops``) measured in the same
process. Only the matrix products are counted: 2 x inputs x outputs FLOPs per sample for each
Dense layer's forward pass, and three such products per layer for a training step (forward,
gradient with respect to the input, gradient with respect to the weights). A GAN step counts
``d_steps`` discriminator updates (the generator's forward pass, the discriminator's three
products on a real and a generated batch) and one generator update (the generator's three
products, the discriminator's forward pass and input gradient); the gradient penalty's extra
passes are not counted, so WGAN-GP rates are a lower bound. What the count leaves out is
where the rest of the time goes: element-wise work (activations, dropout, the loss, a
negative binomial's log-gamma), the optimiser, and Keras' per-step Python overhead.

Each case is timed with Keras' default (no XLA on a CPU) and with ``jit_compile=True``. The
XLA column is the step alone: compiling costs time and memory once per model and input shape
(measured on notebook 06's VAEs: ~20 s, and 220-480 MB above the kernel's usual peak), which
is why the course does not use it.
The timings are the best of three epochs of ``STEPS`` steps after an untimed one (tracing):
the same step on this kind of machine varies up to 2x from one minute to the next.
Random inputs cost the same arithmetic as the real ones: dense products do not skip zeros.

``make bench`` runs it after the notebooks; run alone, ``python benchmarks/flop_rate.py``
prints the figures as JSON.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import course_lib  # noqa: F401  (before Keras: quiet TensorFlow, the course's default backend)

STEPS = 40
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class Case:
    """A notebook's main training cell, as the model and data it trains on."""

    notebook: str  # the notebook's file stem
    cell: str  # text of its main training cell, batch size included (tests check it)
    model: str  # what is trained, for the table
    batch_size: int
    build: callable  # batch_size -> (compiled model, x, y or None, FLOPs per step)


def dense_flops(model):
    """Forward-pass FLOPs per sample of every Dense layer inside ``model`` (2 per multiply-add).

    Sub-models (a VAE's encoder and decoder, a GAN's two networks) are among a model's
    ``layers``; each layer is counted once, however many paths lead to it.
    """
    import keras

    total, seen, stack = 0, set(), [model]
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if isinstance(layer, keras.layers.Dense):
            fan_in, fan_out = layer.kernel.shape
            total += 2 * fan_in * fan_out
        stack.extend(getattr(layer, "layers", ()))
    return total


def gan_step_flops(gan, batch_size):
    """Counted FLOPs of one GAN training step (see the module docstring)."""
    g, d = dense_flops(gan.generator), dense_flops(gan.discriminator)
    per_sample = gan.d_steps * (g + 2 * 3 * d) + 3 * g + 2 * d
    return per_sample * batch_size


def _rng():
    import numpy as np

    return np.random.default_rng(0)


def _images(rows):
    return _rng().random((rows, 784), dtype="float32")


def line_fit(batch_size):
    """01: Keras fits the line y = w x + b (one Dense unit) by gradient descent."""
    import keras

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = _rng().random((STEPS * batch_size, 1), dtype="float32")
    return model, x, 2 * x + 1, 3 * dense_flops(model) * batch_size


def digit_mlp(batch_size):
    """02: the digit classifier, softmax output, categorical cross-entropy."""
    import keras

    from course_lib import models

    model = models.build_mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x = _images(STEPS * batch_size)
    y = keras.utils.to_categorical(_rng().integers(0, 10, len(x)), 10)
    return model, x, y, 3 * dense_flops(model) * batch_size


def autoencoder(batch_size):
    """03: the dense autoencoder with a 2-dimensional code."""
    import keras

    from course_lib import models

    model, _, _ = models.build_autoencoder(784, latent_dim=2, hidden=(512, 256))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    x = _images(STEPS * batch_size)
    return model, x, x, 3 * dense_flops(model) * batch_size


def image_vae(batch_size):
    """04: the VAE with a 2-dimensional latent space, Bernoulli likelihood."""
    from course_lib import models

    model = models.build_vae(784, latent_dim=2, hidden=(512, 256), beta=1.0,
                             likelihood="bernoulli", seed=0)
    model.compile(optimizer="adam")
    return model, _images(STEPS * batch_size), None, 3 * dense_flops(model) * batch_size


def scgan(batch_size, genes=500, types=8):
    """05: the conditional scGAN (WGAN-GP, 5 critic steps) on 500 genes of 8 cell types."""
    import keras
    import numpy as np

    from course_lib import gan
    from course_lib.training import decaying_adam

    rows = STEPS * batch_size
    generator = gan.build_generator(
        latent_dim=128, output_dim=genes, hidden=(256, 512), batchnorm=True,
        output_activation="relu", feature_noise=1.0, n_classes=types,
        library_sizes=_rng().integers(500, 5000, rows).astype("float32"))
    critic = gan.build_discriminator(genes, hidden=(256, 128), dropout=0, n_classes=types)
    model = gan.WGANGP(generator, critic, gp_weight=10.0, d_steps=5, n_classes=types, seed=0)
    model.compile(d_optimizer=decaying_adam(1e-3, 5 * STEPS),
                  g_optimizer=decaying_adam(1e-3, STEPS))
    x = np.log1p(_rng().poisson(0.5, (rows, genes)).astype("float32"))
    labels = keras.utils.to_categorical(_rng().integers(0, types, rows), types)
    return model, x, labels, gan_step_flops(model, batch_size)


def _cells(rows, genes):
    import numpy as np

    counts = _rng().poisson(0.3, (rows, genes)).astype("float32")
    return counts, np.log1p(counts)


def sc_count_vae(batch_size, genes=6998):
    """06: the count (negative binomial) VAE on the Kang cells' 6,998 genes."""
    from course_lib import latent

    counts, x = _cells(STEPS * batch_size, genes)
    model = latent.build_sc_vae(genes, steps_per_epoch=STEPS, epochs=40, peak_lr=2e-3,
                                **latent.SC_COUNT_VAE)
    return model, x, counts, 3 * dense_flops(model) * batch_size


def sc_vae(batch_size, genes=6998):
    """07: the Gaussian single-cell VAE (the scGen model) on the Kang cells' 6,998 genes."""
    from course_lib import latent

    _, x = _cells(STEPS * batch_size, genes)
    model = latent.build_sc_vae(genes, steps_per_epoch=STEPS, epochs=60)
    return model, x, None, 3 * dense_flops(model) * batch_size


CASES = (
    Case("01_tensors_and_keras",
         "history = line.fit(x_line[:, None], y_line[:, None], batch_size=40",
         "line fit, 2 weights", 40, line_fit),
    Case("02_mlp_mnist", "model.fit(x_train, y_train, batch_size=128, epochs=10",
         "MLP 784-784-10", 128, digit_mlp),
    Case("03_autoencoders",
         "history = autoencoder.fit(x_train, x_train, epochs=5, batch_size=256",
         "autoencoder 784-512-256-2", 256, autoencoder),
    Case("04_variational_autoencoders", "vae.fit(x_train, epochs=5, batch_size=256",
         "VAE 784-512-256-2", 256, image_vae),
    Case("05_gans", "epochs, batch_size = 60, 64",
         "conditional scGAN (WGAN-GP), 500 genes", 64, scgan),
    Case("06_single_cell_vae",
         "latent.ScVaeTraining(x_kang, y=counts_kang, epochs=40, batch_size=64",
         "count VAE, 6,998 genes", 64, sc_count_vae),
    Case("07_perturbation_trajectories_generation",
         "run = latent.ScVaeTraining(x_kang, cells=~is_held_out, epochs=60, batch_size=128",
         "single-cell VAE, 6,998 genes", 128, sc_vae),
)


def measure_case(case, jit_compile):
    """Seconds per step (best of three timed epochs) of ``case`` trained with ``fit``."""
    import keras

    keras.utils.set_random_seed(0)
    model, x, y, flops = case.build(case.batch_size)
    model.jit_compile = jit_compile  # read when fit builds its train function

    def epoch():
        start = time.perf_counter()
        model.fit(x, y, batch_size=case.batch_size, epochs=1, shuffle=False, verbose=0)
        return time.perf_counter() - start

    epoch()  # traces (and with XLA compiles) the train step
    step = min(epoch() for _ in range(3)) / STEPS
    return step, flops


def measure():
    """Every case's counted FLOPs per step and its rate, without and with XLA (a dict)."""
    import keras

    from calibrate import gemm_gflops

    gemm = gemm_gflops()
    rows = []
    for case in CASES:
        step, flops = measure_case(case, jit_compile=False)
        xla_step, _ = measure_case(case, jit_compile=True)
        keras.backend.clear_session()
        rows.append({"notebook": case.notebook, "model": case.model,
                     "batch_size": case.batch_size, "flop_per_step": int(flops),
                     "ms_per_step": round(step * 1e3, 2),
                     "gflops": round(flops / step / 1e9, 2),
                     "xla_ms_per_step": round(xla_step * 1e3, 2),
                     "xla_gflops": round(flops / xla_step / 1e9, 2)})
    return {"backend": keras.backend.backend(), "gemm_gflops": gemm, "steps": STEPS,
            "cases": rows}


def _mflop(flop):
    mflop = flop / 1e6
    return f"{mflop:,.0f}" if mflop >= 1 else f"{mflop:.2g}"


def markdown_lines(document):
    """RESULTS.md's section on training rates, from ``measure()``'s output."""
    gemm = document["gemm_gflops"]
    cases = document["cases"]
    lines = [f"**{document['backend']}, training against the machine's limit** "
             f"(`benchmarks/flop_rate.py`): each notebook's main training step, built as the "
             f"notebook builds it, timed over {document['steps']} steps with `fit`. Counted "
             f"FLOPs are the dense layers' matrix products (x3 for a training step); the "
             f"machine's float32 GEMM ran at {gemm:.0f} GFLOP/s in the same process.", "",
             "| notebook | model | batch | MFLOP per step | ms per step | GFLOP/s | % of GEMM "
             "| with XLA: ms per step | GFLOP/s |", "|---|---|---|---|---|---|---|---|---|"]
    for row in cases:
        lines.append(f"| `{row['notebook']}` | {row['model']} | {row['batch_size']} | "
                     f"{_mflop(row['flop_per_step'])} | {row['ms_per_step']:.1f} | "
                     f"{row['gflops']:.2f} | {100 * row['gflops'] / gemm:.0f} % | "
                     f"{row['xla_ms_per_step']:.1f} | {row['xla_gflops']:.2f} |")
    floor = min(cases, key=lambda row: row["flop_per_step"])
    lines += ["", f"The smallest model ({floor['model']}) shows what a step costs with almost "
              f"no arithmetic: {floor['ms_per_step']:.1f} ms of Keras' own work per step, which "
              f"every step above pays too. The rest of the gap to the GEMM rate is element-wise "
              f"work, the optimiser and, for the GAN, its several updates per step. The XLA "
              f"columns time the compiled step alone (see the script's docstring for what "
              f"compiling costs).", ""]
    return lines


if __name__ == "__main__":
    print(json.dumps(measure()))
