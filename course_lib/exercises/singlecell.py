"""Checks for notebook 06 (the single-cell VAE): the recipe's model, its training, a batch
vector and a smaller latent space. The checks of notebook 07 are in ``perturbation``."""

import math
import numbers

import numpy as np

from course_lib.exercises import answers, call_student, exercise, expect

# The recipe of notebook 06's table (the same as latent.SC_VAE).
HIDDEN, ACTIVATION, DROPOUT, LATENT, OUTPUT, BETA, PRIOR_SD = (
    (256, 128, 64), "elu", 0.2, 32, "relu", 0.1, 0.8)


@exercise("A batch vector by hand",
          hints=("Work cell line by cell line, and only with the lines both batches contain.",
                 "For one such line: the mean code of its reference cells minus the mean code "
                 "of its Drop-seq cells. Then average these differences, every line weighted "
                 "equally."))
def check_batch_vector(vector, z, batches, cell_lines, reference, batch="sc_dropseq"):
    """vector: what moves ``batch`` onto ``reference``, balanced over their shared cell lines."""
    from course_lib.latent import batch_shift

    z = np.asarray(z, dtype="float64")
    batches, cell_lines = np.asarray(batches).astype(str), np.asarray(cell_lines).astype(str)
    answer = answers.array(vector, "vector", finite=False).ravel()
    expect(answer.size == z.shape[1], f"expected {z.shape[1]} numbers (one per latent dimension), "
           f"got {answer.size}.")
    expected = batch_shift(z, batches, reference, labels=cell_lines)[1][batch]
    scale = np.linalg.norm(expected)
    expect(not np.allclose(answer, -expected, atol=1e-3 * scale),
           "the sign is flipped: the vector is added to the Drop-seq cells, so it points from "
           "them to the reference (reference minus Drop-seq).")
    here, ref = batches == batch, batches == reference
    naive = z[ref].mean(0) - z[here].mean(0)
    expect(not np.allclose(answer, naive, atol=1e-3 * scale),
           "this is the plain difference of the batch means; the reference also holds A549 and "
           "H838 cells, which Drop-seq lacks. Use only the shared cell lines, each weighted "
           "equally.")
    shared = sorted(set(cell_lines[here]) & set(cell_lines[ref]))
    unbalanced = (z[ref & np.isin(cell_lines, shared)].mean(0)
                  - z[here & np.isin(cell_lines, shared)].mean(0))
    if not np.allclose(unbalanced, expected, atol=1e-3 * scale):
        expect(not np.allclose(answer, unbalanced, atol=1e-3 * scale),
               "right cell lines, but each cell is weighted equally: average per cell line "
               "first, then over the cell lines (balanced_mean does this).")
    expect(np.allclose(answer, expected, atol=1e-3 * scale),
           f"the vector differs from the balanced shift (distance "
           f"{np.linalg.norm(answer - expected):.3g}, length of the right vector {scale:.3g}).")
    return (f"a shift of length {scale:.2f} in latent space; adding it to every Drop-seq cell "
            "is exactly what batch_shift does for that batch.")


@exercise("A smaller latent space",
          hints=("latent.train_sc_vae passes extra keyword arguments such as latent_dim on to "
                 "the model; its first return value is the model.",
                 "Score the latent means of every CellBench cell (small_vae.encode) against the "
                 "cell lines."),
          answers=2)
def check_small_latent(small_vae, small_scores, x, cell_lines, latent_dim=4):
    """small_vae: the CellBench VAE with a smaller latent space; small_scores: its quality."""
    from course_lib.metrics import latent_quality

    expect(hasattr(small_vae, "encode") and hasattr(small_vae, "latent_dim"),
           f"small_vae should be a trained VAE (from latent.train_sc_vae), got a "
           f"{type(small_vae).__name__}.")
    expect(isinstance(small_vae.latent_dim, int) and small_vae.latent_dim == latent_dim,
           f"the latent space has {small_vae.latent_dim} dimensions; the task asks for "
           f"{latent_dim}.")
    expect(isinstance(small_scores, dict) and {"asw", "nmi", "ari"} <= set(small_scores),
           "small_scores should be the dict returned by metrics.latent_quality (asw, nmi, ari).")
    for key in ("asw", "nmi", "ari"):
        expect(isinstance(small_scores[key], numbers.Real),
               f"small_scores[{key!r}] should be a number.")
    z = np.asarray(call_student(small_vae.encode, x, name="small_vae.encode(x_cb)"))
    expect(z.shape == (len(x), latent_dim), f"encode should give {len(x)} x {latent_dim} "
           f"latent means, got {z.shape}.")
    recomputed = latent_quality(z, cell_lines)
    off = [k for k in ("asw", "nmi", "ari") if abs(recomputed[k] - small_scores[k]) >= 0.02]
    expect(not off, f"small_scores ({', '.join(off)}) do not match the latent means of "
           "small_vae scored on the cell lines: score small_vae.encode(x_cb) with "
           "the cell-line labels.")
    return (f"with {latent_dim} latent dimensions: ASW {recomputed['asw']:.2f}, "
            f"NMI {recomputed['nmi']:.2f}, ARI {recomputed['ari']:.2f}. Compare with the "
            "32-dimensional model above.")


# ---------------------------------------------------------------- exercises 1 and 2: the recipe
def _activation_name(function):
    name = getattr(function, "__name__", str(function))
    return "linear" if name in ("linear", "identity") else name


def _dense_blocks(model):
    """The Dense layers of a functional model in order: units, activation, dropout after it.

    An activation written as its own layer (``layers.Activation("elu")``, ``layers.ELU()``)
    counts for the Dense layer before it.
    """
    from keras import layers

    blocks = []
    for layer in model.layers:
        if isinstance(layer, layers.Dense):
            blocks.append({"units": int(layer.units),
                           "activation": _activation_name(layer.activation), "dropout": 0.0})
        elif not blocks:
            continue
        elif isinstance(layer, layers.Dropout):
            blocks[-1]["dropout"] = float(layer.rate)
        elif isinstance(layer, layers.Activation):
            blocks[-1]["activation"] = _activation_name(layer.activation)
        elif isinstance(layer, (layers.ELU, layers.ReLU, layers.LeakyReLU)):
            blocks[-1]["activation"] = {layers.ELU: "elu", layers.ReLU: "relu",
                                        layers.LeakyReLU: "leaky_relu"}[type(layer)]
    return blocks


def _expect_hidden(blocks, part, sizes):
    """The hidden layers of the encoder or decoder follow the recipe."""
    units = [b["units"] for b in blocks]
    expect(units == list(sizes), f"the {part}'s hidden Dense layers have {units} units; check "
           f"the sizes and their order in the table (the decoder mirrors the encoder).")
    activations = sorted({b["activation"] for b in blocks})
    expect(activations == [ACTIVATION], f"the {part}'s hidden layers use "
           f"{' and '.join(activations)}; the recipe uses {ACTIVATION}, which is smooth and "
           "has no dead units.")
    rates = [b["dropout"] for b in blocks]
    expect(all(r > 0 for r in rates), f"{sum(r == 0 for r in rates)} of the {part}'s hidden "
           "layers have no Dropout after them; the recipe regularises every hidden layer.")
    expect(all(math.isclose(r, DROPOUT) for r in rates), f"the {part}'s dropout rates are "
           f"{rates}; check the rate in the table.")


@exercise("Assemble the single-cell VAE",
          hints=("Compare your model with the table row by row: hidden sizes, activation, "
                 "dropout, latent size, output activation, then beta and the prior.",
                 "The encoder ends in two Dense layers without activation (the mean and the "
                 "log-variance), both fed by the last hidden layer; the decoder repeats the "
                 "hidden sizes in reverse order and ends in one Dense layer per gene.",
                 "models.VAE takes beta, prior_sd and likelihood as keyword arguments."),
          answers=3)
def check_sc_vae(sc_encoder, sc_decoder, sc_vae, x):
    """sc_encoder, sc_decoder, sc_vae: the recipe's encoder, decoder and VAE for cells x."""
    import keras

    from course_lib.models import VAE

    x = np.asarray(x, dtype="float32")
    batch = x[:64]
    n_genes = x.shape[1]
    answers.model(sc_encoder, "sc_encoder")
    outputs = call_student(sc_encoder, batch, training=False, name="sc_encoder(cells)")
    expect(isinstance(outputs, (list, tuple)) and len(outputs) == 2,
           "sc_encoder should have two outputs, the latent mean and the log-variance of "
           "q(z|x); it has " + (f"{len(outputs)}." if isinstance(outputs, (list, tuple))
                                else "one."))
    shapes = [tuple(keras.ops.shape(o)) for o in outputs]
    expect(shapes[0] == shapes[1] and len(shapes[0]) == 2,
           f"the encoder's two outputs should have the same shape (cells x latent "
           f"dimensions), got {shapes}.")
    latent_dim = int(shapes[0][1])
    expect(latent_dim == LATENT, f"the latent space has {latent_dim} dimensions; check the "
           "table's latent size.")
    blocks = _dense_blocks(sc_encoder)
    expect(len(blocks) >= 2, "sc_encoder should end in two Dense layers, for the mean and "
           "the log-variance.")
    heads = blocks[-2:]
    expect(all(h["activation"] == "linear" for h in heads), "the mean and log-variance layers "
           "should have no activation: a mean can be any number and a log-variance negative.")
    _expect_hidden(blocks[:-2], "encoder", HIDDEN)

    answers.model(sc_decoder, "sc_decoder")
    z = np.random.default_rng(0).normal(0, PRIOR_SD, (64, LATENT)).astype("float32")
    decoded = call_student(sc_decoder, z, training=False, name="sc_decoder(z)")
    decoded = np.asarray(keras.ops.convert_to_numpy(decoded[0] if isinstance(decoded, (list, tuple))
                                                    else decoded), dtype="float64")
    expect(decoded.shape == (64, n_genes), f"sc_decoder should give one value per gene "
           f"({n_genes} columns) for each latent point, got shape {decoded.shape}.")
    blocks = _dense_blocks(sc_decoder)
    expect(len(blocks) >= 1, "sc_decoder should end in a Dense layer with one unit per gene.")
    output = blocks[-1]["activation"]
    expect(output != "sigmoid", "the output is a sigmoid, which stays below 1, but "
           f"log-expression goes up to {x.max():.1f}; the recipe's output activation can "
           "reach any non-negative value.")
    expect(output != "linear" and decoded.min() >= 0, "the output layer has no activation, so "
           "the decoder can predict negative log-expression, which never occurs; check the "
           "table's output activation.")
    expect(output == OUTPUT, f"the output activation is {output}; the recipe's gives "
           "non-negative values and exact zeros.")
    _expect_hidden(blocks[:-1], "decoder", tuple(reversed(HIDDEN)))

    expect(isinstance(sc_vae, VAE), f"sc_vae should be models.VAE(sc_encoder, sc_decoder, ...), "
           f"got a {type(sc_vae).__name__}.")
    expect(sc_vae.encoder is sc_encoder and sc_vae.decoder is sc_decoder,
           "sc_vae wraps another encoder or decoder than sc_encoder and sc_decoder; run the "
           "whole exercise cell again.")
    expect(sc_vae.likelihood == "gaussian", f"sc_vae's reconstruction term is "
           f"{sc_vae.likelihood!r}, binary cross-entropy for values in [0, 1]; the recipe's "
           "is the squared error (likelihood='gaussian').")
    beta, prior_sd = _loss_weights(sc_vae, batch)
    expect(prior_sd is not None, "the KL term of sc_vae's loss does not fit the table's prior; "
           "check prior_sd.")
    expect(prior_sd == PRIOR_SD, "the loss measures the KL divergence to N(0, I), the default "
           "prior; the recipe's prior is narrower: set prior_sd.")
    expect(abs(beta - 1.0) > 1e-2, "the KL term enters the loss with weight 1: the recipe's "
           "beta is not applied.")
    expect(math.isclose(beta, BETA, rel_tol=1e-2), f"the KL term enters the loss with weight "
           f"{beta:.3g}; check beta in the table.")
    weights = sc_encoder.count_params() + sc_decoder.count_params()
    return (f"{weights:,} weights, as in the table; the loss is squared error "
            f"plus {BETA} x KL to N(0, {PRIOR_SD}^2 I), measured by running sc_vae's loss.")


def _kl_sum(mean, log_var, prior_sd):
    """Batch mean of KL(N(mean, exp(log_var)) || N(0, prior_sd^2 I)), in float64."""
    var = prior_sd ** 2
    kl = 0.5 * ((np.exp(log_var) + mean ** 2) / var - 1 - log_var + math.log(var))
    return float(np.mean(np.sum(kl, axis=1)))


def _loss_weights(vae, batch):
    """(beta, prior sd) as they act in ``vae.compute_loss``, found by running it.

    For a moment the encoder gives two fixed posteriors and sampling returns the mean, so the
    loss is deterministic: loss - reconstruction = beta * KL(prior sd) for each posterior.
    Two posteriors tell the weight and the prior apart; ``(beta, None)`` means that neither
    the recipe's prior nor N(0, I) explains the loss.
    """
    import keras

    from course_lib.models import reconstruction_loss

    n = len(batch)
    posteriors = [(np.full((n, LATENT), m, "float32"), np.full((n, LATENT), v, "float32"))
                  for m, v in ((1.0, -2.0), (2.0, -4.0))]
    encoder, kl_terms = vae.encoder, []
    try:
        object.__setattr__(vae, "sample_z", lambda mean, log_var: mean)
        for mean, log_var in posteriors:
            fixed = (keras.ops.convert_to_tensor(mean), keras.ops.convert_to_tensor(log_var))
            object.__setattr__(vae, "encoder", lambda inputs, training=False, fixed=fixed: fixed)
            loss = call_student(vae.compute_loss, x=batch, training=False,
                                name="sc_vae.compute_loss(cells)")
            decoded = vae.decoder(mean, training=False)
            recon = keras.ops.mean(reconstruction_loss(batch, decoded, vae.likelihood))
            kl_terms.append(float(keras.ops.convert_to_numpy(loss))
                            - float(keras.ops.convert_to_numpy(recon)))
    finally:
        object.__setattr__(vae, "encoder", encoder)
        vae.__dict__.pop("sample_z", None)
        for tracker in (getattr(vae, "reconstruction_loss_tracker", None),
                        getattr(vae, "kl_loss_tracker", None)):
            if tracker is not None:
                tracker.reset_state()
    for prior_sd in (PRIOR_SD, 1.0):
        betas = [k / _kl_sum(m.astype("float64"), v.astype("float64"), prior_sd)
                 for k, (m, v) in zip(kl_terms, posteriors)]
        if math.isclose(betas[0], betas[1], rel_tol=1e-2, abs_tol=1e-4):
            return float(np.mean(betas)), prior_sd
    return kl_terms[0] / _kl_sum(*[p.astype("float64") for p in posteriors[0]], PRIOR_SD), None


@exercise("Train it briefly",
          hints=("compile() takes the optimiser; Adam has an amsgrad switch and takes a "
                 "schedule as its learning_rate.",
                 "fit() returns the History; validation_split keeps a share of the cells "
                 "for validation."))
def check_sc_training(sc_history, sc_vae, min_epochs=3):
    """sc_history: what sc_vae.fit returned after a few epochs with validation."""
    import keras

    expect(sc_vae is not None, "sc_vae (exercise 1) is still None: build it first.")
    logs = getattr(sc_history, "history", None)
    expect(isinstance(logs, dict), "sc_history should be what sc_vae.fit(...) returns (a "
           f"History), got a {type(sc_history).__name__}.")
    expect(getattr(sc_history, "model", None) is sc_vae, "sc_history comes from training "
           "another model than sc_vae; run exercise 1 and then this cell again.")
    optimizer = getattr(sc_vae, "optimizer", None)
    expect(isinstance(optimizer, keras.optimizers.Adam), "sc_vae should be compiled with the "
           f"recipe's optimiser, Adam; it uses {type(optimizer).__name__}.")
    expect(bool(optimizer.amsgrad), "Adam runs without amsgrad; the recipe switches it on.")
    schedule = getattr(optimizer, "_learning_rate", None)
    expect(isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule),
           "the learning rate is a constant; the recipe's warms up and then decays "
           "(training.warmup_cosine).")
    steps = int(keras.ops.convert_to_numpy(optimizer.iterations))
    expect(steps > 0, "sc_vae has not been trained yet: call fit.")
    first, later = (float(keras.ops.convert_to_numpy(schedule(i))) for i in (0, max(steps // 2, 1)))
    expect(later > first, "the learning rate does not rise at the start: the recipe begins "
           "with a warm-up.")
    losses = [float(v) for v in logs.get("loss", [])]
    expect(len(losses) >= min_epochs, f"sc_history holds {len(losses)} epoch(s); train for "
           f"{min_epochs}.")
    expect("val_loss" in logs, "there is no validation loss: keep 10 % of the cells for "
           "validation.")
    expect(all(math.isfinite(v) for v in losses), "the training loss is NaN or infinite; "
           "check the learning rate.")
    expect(losses[-1] < losses[0], f"the training loss did not fall ({losses[0]:.1f} -> "
           f"{losses[-1]:.1f}); check the learning rate and the data you fit on.")
    return (f"{len(losses)} epochs, {steps} updates: the loss fell from {losses[0]:.0f} to "
            f"{losses[-1]:.0f} (validation {logs['val_loss'][-1]:.0f}).")
