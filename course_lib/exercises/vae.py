"""Checks for notebook 04 (variational autoencoders): the KL term, the reparameterisation,
the student's own VAE class (its loss, its sampling, its gradients, its training) and the
number of latent dimensions a trained VAE uses."""


import functools

import numpy as np

from course_lib.exercises import Incorrect, answers, call_student, exercise, expect

# float32 losses against their float64 recomputation
_close = functools.partial(answers.close, rtol=2e-3, atol=1e-4)


def _tensor_result(result, name):
    """A student's keras.ops result as a float64 array, or a plain-language failure."""
    expect(result is not None, f"{name} returns None: finish it with a return statement.")
    expect(not isinstance(result, (np.ndarray, np.generic)),
           f"{name} returns a NumPy array. Write it with keras.ops (keras.ops.exp, "
           "keras.ops.sum, ...): your VAE calls it inside a compiled training step, where "
           "the inputs are tensors that NumPy cannot compute with.")
    return answers.array(result, name, finite=False)


def _tensors(*arrays):
    import keras

    return [keras.ops.convert_to_tensor(np.asarray(a, "float32")) for a in arrays]


def _np_kl(mean, log_var):
    """Per-sample KL(N(mean, exp(log_var)) || N(0, I)), float64."""
    mean, log_var = np.asarray(mean, "float64"), np.asarray(log_var, "float64")
    return 0.5 * np.sum(np.exp(log_var) + mean ** 2 - 1.0 - log_var, axis=-1)


# ------------------------------------------------------------------ Exercise 1: the KL term
@exercise("The KL term",
          hints=("Write the formula above term by term: which quantity is sigma squared, "
                 "given log_var? The sum runs over the latent dimensions only.",
                 "The latent dimensions are the last axis; every sample keeps its own value. "
                 "keras.ops has exp, square and sum (with axis=...).",
                 "Check each term's sign against the formula, and the factor one half in "
                 "front of the sum."))
def check_kl_divergence(kl_divergence):
    """kl_divergence(mean, log_var): per-sample KL(N(mean, exp(log_var)) || N(0, I))."""
    rng = np.random.default_rng(1)
    mean = rng.normal(size=(6, 4)).astype("float32")
    log_var = rng.normal(scale=0.7, size=(6, 4)).astype("float32")
    name = "kl_divergence(mean, log_var)"
    answer = _tensor_result(call_student(kl_divergence, *_tensors(mean, log_var), name=name),
                            name)
    reference = _np_kl(mean, log_var)
    expect(answer.shape != (6, 4), "for a batch of 6 samples with 4 latent dimensions you "
           "return 6 x 4 values: sum over the latent dimensions (the last axis), so that each "
           "sample gets one KL value.")
    expect(answer.size != 1, "you return a single number for the whole batch: sum over the "
           "latent dimensions (the last axis) only, so that each sample keeps its own value.")
    expect(answer.shape == (6,), f"for a batch of 6 samples the result should have shape (6,), "
           f"one value per sample; got shape {answer.shape}.")
    expect(np.isfinite(answer).all(), "the result contains NaN or infinite values. Is log_var "
           "used where the formula needs sigma squared = exp(log_var), or the other way round?")
    zero = _tensor_result(call_student(kl_divergence, *_tensors(np.zeros((2, 4)), np.zeros((2, 4))),
                                       name=name), name)
    expect(_close(zero, 0.0, atol=1e-5), "a posterior equal to the prior (mean 0, log_var 0) "
           "must give KL 0, but yours does not. Check the constant term of the formula.")
    expect(not _close(answer, -reference), "your values are the negatives of the KL: a KL "
           "divergence is never negative. Check the sign in front of the sum.")
    expect(not (answer < -1e-5).any(), "some values are negative, but a KL divergence never "
           "is. Check the sign of each term against the formula.")
    expect(not _close(answer, 2 * reference), "your values are twice the KL: the factor one "
           "half is missing.")
    expect(not _close(answer, reference / 4), "your values are the KL divided by the number "
           "of latent dimensions: you averaged over them. The KL of independent dimensions "
           "adds up: sum over the last axis.")
    expect(_close(answer, reference, rtol=1e-4, atol=1e-5),
           "the values do not match the closed-form KL for a test batch, although a posterior "
           "equal to the prior correctly gives 0. Compare each term with the formula: "
           "exp(log_var) is sigma squared, mean is squared.")
    return ("the closed-form KL, one value per sample, written with keras.ops: your VAE can "
            "call it inside training.")


# ------------------------------------------------------------------ Exercise 2: reparameterise
@exercise("The reparameterisation trick",
          hints=("Follow the formula above: z is the mean plus the standard deviation times "
                 "eps, element by element.",
                 "The encoder gives log_var, the log of the variance; the standard deviation "
                 "is the square root of the variance. Write it with keras.ops."))
def check_reparameterise(reparameterise):
    """reparameterise(mean, log_var, eps) -> mean + exp(log_var / 2) * eps, with keras.ops."""
    rng = np.random.default_rng(2)
    mean = rng.normal(size=(5, 2)).astype("float32")
    log_var = rng.normal(size=(5, 2)).astype("float32")
    eps = rng.normal(size=(5, 2)).astype("float32")
    name = "reparameterise(mean, log_var, eps)"
    answer = _tensor_result(call_student(reparameterise, *_tensors(mean, log_var, eps),
                                         name=name), name)
    expect(answer.shape == (5, 2), f"z should have the shape of mean, (5, 2); got "
           f"{answer.shape}.")
    m, v, e = (np.asarray(a, "float64") for a in (mean, log_var, eps))
    mistakes = [  # (what z would be, what went wrong)
        (m, "z equals mean: it ignores eps, so it is no sample at all."),
        (e, "z equals eps: it ignores the encoder's mean and spread."),
        (m + np.exp(v) * e, "you scaled eps by the variance exp(log_var); scale it by the "
                            "standard deviation."),
        (m + v * e, "you scaled eps by log_var itself: log_var is the logarithm of the "
                    "variance, not a standard deviation (it can be negative)."),
        (m + np.sqrt(np.abs(v)) * e, "you took the square root of log_var: log_var is a "
                                     "logarithm; undo the logarithm first."),
    ]
    for wrong, message in mistakes:
        expect(not _close(answer, wrong, rtol=1e-4), message)
    expect(_close(answer, m + np.exp(0.5 * v) * e, rtol=1e-4, atol=1e-6),
           "z should be mean + standard deviation * eps, elementwise.")
    return ("z is a differentiable function of (mean, log_var) plus outside noise eps, so "
            "gradients can reach the encoder.")


# ------------------------------------------------------------------ Exercise 3: your VAE class
_BATCH, _LATENT, _HIDDEN, _BETA = 256, 3, 32, 0.5


def _networks(input_dim):
    """Small dense encoder (x -> z_mean, z_log_var) and decoder for the check."""
    from course_lib.models import build_vae_decoder, build_vae_encoder

    encoder = build_vae_encoder(input_dim, _LATENT, hidden=(_HIDDEN,), name="check_encoder")
    decoder = build_vae_decoder(input_dim, _LATENT, hidden=(_HIDDEN,), name="check_decoder")
    return encoder, decoder


def _random_weights(model, seed):
    """Glorot-uniform kernels and zero biases from a NumPy generator (global seeds untouched)."""
    rng = np.random.default_rng(seed)
    weights = []
    for w in model.get_weights():
        if w.ndim == 2:
            limit = np.sqrt(6.0 / sum(w.shape))
            weights.append(rng.uniform(-limit, limit, w.shape).astype("float32"))
        else:
            weights.append(np.zeros_like(w))
    return weights


def _set_heads(encoder, mean=None, log_var=None, mean_scale=None):
    """Fix the encoder's heads: a constant mean and/or log_var (kernel 0, bias = value), or
    a z_mean kernel scaled by mean_scale."""
    for layer_name, value in (("z_mean", mean), ("z_log_var", log_var)):
        if value is None:
            continue
        layer = encoder.get_layer(layer_name)
        kernel, bias = layer.get_weights()
        layer.set_weights([np.zeros_like(kernel), np.broadcast_to(
            np.asarray(value, "float32"), bias.shape).copy()])
    if mean_scale is not None:
        layer = encoder.get_layer("z_mean")
        kernel, bias = layer.get_weights()
        layer.set_weights([kernel * mean_scale, bias])


def _logs(model, x, name):
    """One training step's logged values (computed before the update), as floats."""
    call_student(model.reset_metrics, name="reset_metrics() of your model")
    logs = call_student(model.train_on_batch, x, return_dict=True,
                        name="training your model on a batch (train_on_batch)")
    expect(isinstance(logs, dict), "training your model on a batch did not return logs.")
    for key in ("reconstruction_loss", "kl_loss"):
        expect(key in logs, f"your model logs {sorted(logs)} during training, but not "
               f"{key}: keep a keras.metrics.Mean(name=\"{key}\") in __init__ and update it "
               "in compute_loss.")
    values = {}
    for key in ("loss", "reconstruction_loss", "kl_loss"):
        try:
            values[key] = float(np.asarray(logs[key]))
        except (TypeError, ValueError):
            raise Incorrect(f"the logged {key} is not a number ({logs[key]!r}).") from None
        expect(np.isfinite(values[key]), f"{name}: the logged {key} is {values[key]}. Is "
               "there a log of 0 or of a negative number, or an exp that overflows?")
    return values


def _reference_terms(encoder, decoder, x, z=None):
    """Batch means (reconstruction, KL) of the course objective, float64, through z
    (default: z_mean)."""
    import keras

    from course_lib.models import reconstruction_loss

    mean, log_var = (np.asarray(a, "float64") for a in encoder(x, training=False))
    z = mean if z is None else z
    x_hat = decoder(np.asarray(z, "float32"), training=False)
    recon = np.asarray(keras.ops.convert_to_numpy(reconstruction_loss(x, x_hat)), "float64")
    return recon.mean(), _np_kl(mean, log_var).mean()


def _batch_means(decoder, x, z):
    """Reconstruction term of x for each batch of codes z (replicates x batch x latent), in
    one decoder call."""
    import keras

    from course_lib.models import reconstruction_loss

    n_rep, batch = z.shape[:2]
    x_hat = decoder(np.asarray(z, "float32").reshape(n_rep * batch, -1), training=False)
    per_image = keras.ops.convert_to_numpy(reconstruction_loss(np.tile(x, (n_rep, 1)), x_hat))
    return np.asarray(per_image, "float64").reshape(n_rep, batch).mean(axis=1)


def _within(value, replicates):
    """Is value a plausible draw of the batch mean whose replicates are given?"""
    return abs(value - replicates.mean()) <= 4 * replicates.std(ddof=1)


def _restart_optimizer(optimizer, learning_rate):
    """Zero the optimizer's state (step count, moments) and set its learning rate: every
    probe starts from a fresh Adam, without compiling (and tracing) the model again."""
    for variable in optimizer.variables:
        variable.assign(np.zeros(variable.shape, variable.dtype))
    optimizer.learning_rate.assign(learning_rate)


def _probe_point_posterior(model, encoder, decoder, x, weights):
    """A posterior with a tiny spread (sd 0.001): z is almost the mean, the loss almost
    deterministic. Diagnoses the scale of each term, the KL and beta."""
    encoder.set_weights(weights)
    _set_heads(encoder, log_var=np.log(1e-6), mean_scale=3.0)
    recon, kl = _reference_terms(encoder, decoder, x)
    logs = _logs(model, x, "for a posterior with a tiny spread")
    r, k, total = logs["reconstruction_loss"], logs["kl_loss"], logs["loss"]
    n_pixels, batch = x.shape[1], x.shape[0]

    if not _close(r, recon):
        expect(not _close(r, recon / n_pixels), "your reconstruction_loss is the binary "
               f"cross-entropy averaged over the {n_pixels} pixels. The course measures "
               "nats per image: sum over the pixels, then average over the images of the "
               "batch. (keras.losses.binary_crossentropy averages over the last axis.)")
        expect(not _close(r, recon * batch), "your reconstruction_loss is summed over the "
               f"{batch} images of the batch: average over the images (nats per image), so "
               "that the loss does not depend on the batch size.")
        expect(not r > 1.05 * recon, "your reconstruction_loss is much larger than it should "
               "be for a posterior whose standard deviation is 0.001, where z must be almost "
               "z_mean. Does your z use the standard deviation exp(log_var / 2)? Check "
               "reparameterise.")
        noise = np.random.default_rng(5).normal(size=(24, batch, _LATENT))
        expect(not _within(r, _batch_means(decoder, x, noise)), "your z ignores the encoder: "
               "it is pure noise around 0. Draw eps with keras.random.normal, then compute z "
               "from z_mean, z_log_var and eps with your reparameterise.")
        raise Incorrect("your reconstruction_loss does not match the binary cross-entropy "
                        "between x and the decoded z, summed over the pixels and averaged over "
                        "the images. Is the decoder applied to z, and is the target x?")
    if not _close(k, kl):
        scale = ("your kl_loss has the wrong scale: sum over the latent dimensions, average over "
                 "the images.")
        mistakes = [  # (what kl_loss would be, what went wrong)
            (-kl, "your kl_loss is the negative of the KL divergence: a KL is never negative. "
                  "Check the sign in kl_divergence."),
            (2 * kl, "your kl_loss is twice the KL divergence: the factor one half is missing."),
            (kl / _LATENT, "your kl_loss is the KL averaged over the latent dimensions: sum "
                           "over them (one value per image), then average over the images."),
            (kl * batch, "your kl_loss is summed over the images of the batch: average it over "
                         "the images, like the reconstruction term."),
            (kl * batch / _LATENT, scale),
            (kl / batch, scale),
        ]
        for wrong, message in mistakes:
            expect(not _close(k, wrong), message)
        raise Incorrect("your kl_loss does not match the KL divergence of the encoder's "
                        "posterior from the prior, averaged over the images. Does compute_loss "
                        "pass the encoder's z_mean and z_log_var to your kl_divergence?")
    if not _close(total, r + _BETA * k):
        mistakes = [  # (what loss would be, what went wrong)
            (r + k, "your loss adds the full KL term, but the model was built with "
                    f"beta={_BETA}: weight the KL term by self.beta."),
            (r - _BETA * k, "your loss subtracts the KL term: Keras minimises, so the loss is "
                            "reconstruction plus beta times KL."),
            (r, "your loss is the reconstruction term alone: add beta times the KL term."),
            (_BETA * k, "your loss is the KL term alone: add the reconstruction term."),
        ]
        for wrong, message in mistakes:
            expect(not _close(total, wrong), message)
        raise Incorrect(f"with beta={_BETA}, the loss your compute_loss returns should be "
                        "reconstruction + beta * KL of the logged terms; it is not.")


def _probe_spread(model, encoder, decoder, x, weights):
    """A wide posterior (sd 2), the same for every image, and a decoder made sensitive to z:
    the batch's reconstruction term tells how the samples are spread (not at all, by the
    variance, or by the standard deviation) and whether they are centred on the mean."""
    encoder.set_weights(weights)
    mean, sd = np.array([3.0, -2.0, 1.0]), 2.0
    log_var = np.full(_LATENT, np.log(sd ** 2))
    _set_heads(encoder, mean=mean, log_var=log_var)
    start = decoder.get_weights()
    decoder.set_weights([start[0] * 3.0] + start[1:])
    try:
        r = _logs(model, x, "for a wide posterior")["reconstruction_loss"]
        eps = np.random.default_rng(7).normal(size=(24, x.shape[0], _LATENT))

        right = _batch_means(decoder, x, mean + sd * eps)
        at_mean = _reference_terms(encoder, decoder, x, np.broadcast_to(mean, eps[0].shape))[0]
        noise_only = _batch_means(decoder, x, eps)
        variance = _batch_means(decoder, x, mean + sd ** 2 * eps)
        # one draw for the whole batch
        shared = _batch_means(decoder, x, np.broadcast_to(mean + sd * eps[:, :1], eps.shape))
    finally:
        decoder.set_weights(start)

    def matches(values):
        return _within(r, values)

    if matches(right):
        return
    expect(not _close(r, at_mean, rtol=1e-5), "your z is the posterior mean: nothing is "
           "sampled, so the model trains as a plain autoencoder and the posterior's spread "
           "has no say in the reconstruction. Draw eps with keras.random.normal and use "
           "reparameterise.")
    expect(not matches(noise_only), "your z ignores the encoder: it is pure noise around 0. "
           "Draw eps with keras.random.normal, then compute z from z_mean, z_log_var and eps "
           "with your reparameterise.")
    shared_noise = ("one eps for the whole batch (e.g. of shape (1, latent dimensions)): every "
                    "image then gets the same noise. Draw eps with the shape of z_mean, one "
                    "value per image and latent dimension.")
    if matches(variance):
        # a batch-wide draw is far more spread than the right batch mean, and can land here
        expect(matches(shared), "your samples are spread by the variance, not the standard "
               "deviation: does compute_loss pass z_log_var (not exp(z_log_var)) to your "
               "reparameterise?")
        raise Incorrect(f"your samples are spread too widely: either you draw {shared_noise} "
                        "Or they are spread by the variance, not the standard deviation.")
    expect(not matches(shared), f"your samples are not drawn independently: it looks like "
           f"{shared_noise}")
    raise Incorrect("for a posterior with standard deviation 2, your reconstruction term does "
                    "not behave like that of samples z = mean + sd * eps. Draw one eps per "
                    "image and latent dimension, with the shape of z_mean.")


def _probe_gradients(model, encoder, x, weights):
    """Posterior = prior (mean 0, log_var 0), where the KL term has no gradient: after one
    step of a fresh Adam (which moves a weight only if its gradient is not 0), only the
    reconstruction through the sampled z can have moved the heads."""
    encoder.set_weights(weights)
    _set_heads(encoder, mean=0.0, log_var=0.0)
    before = {name: [w.copy() for w in encoder.get_layer(name).get_weights()]
              for name in ("z_mean", "z_log_var")}
    call_student(model.train_on_batch, x, name="training your model on a batch (train_on_batch)")
    moved = {name: any(not np.allclose(a, b, rtol=0, atol=1e-9)
                       for a, b in zip(before[name], encoder.get_layer(name).get_weights()))
             for name in before}
    expect(moved["z_mean"] or moved["z_log_var"], "a training step changes nothing in the "
           "encoder: no gradient reaches it through z. Is z cut off from the graph "
           "(keras.ops.stop_gradient, a NumPy step, a fresh keras.random.normal draw without "
           "z_mean and z_log_var)?")
    expect(moved["z_mean"], "a training step changes the encoder's z_log_var but not its "
           "z_mean: z must depend on z_mean through differentiable operations.")
    expect(moved["z_log_var"], "a training step changes the encoder's z_mean but not its "
           "z_log_var through the reconstruction: z must depend on the standard deviation "
           "through differentiable operations (no stop_gradient on the noise term).")


@exercise("Your VAE class",
          hints=("compute_loss gets the batch as x. From it: the encoder's two outputs, one "
                 "eps per image and latent dimension, z, the decoder's reconstruction; then "
                 "the two terms, each averaged over the images.",
                 "Use your own functions: reparameterise for z, kl_divergence for the KL. "
                 "For eps, keras.random.normal with the shape of z_mean and "
                 "seed=self.seed_generator. The reconstruction term is the binary "
                 "cross-entropy summed over the pixels (keras.ops.binary_crossentropy gives "
                 "it per pixel).",
                 "Update the two trackers with the batch means, and return reconstruction "
                 "plus self.beta times KL."),
          answers=1)
def check_vae_class(MyVAE, x):
    """Train the student's VAE class briefly on digits x and compare with models.VAE.

    Probes, each with the same small encoder and decoder: a posterior with a tiny spread
    (the scale of each term, the KL, beta), a wide posterior (how z is sampled), the
    posterior equal to the prior (does a gradient reach the encoder through z?), and ten
    Adam steps next to ``course_lib.models.VAE`` (the same loss to about 1 %).
    """
    import keras

    from course_lib.models import VAE

    expect(isinstance(MyVAE, type), "MyVAE should be the class itself (class MyVAE("
           f"keras.Model): ...), not a {type(MyVAE).__name__}.")
    expect(issubclass(MyVAE, keras.Model), "MyVAE should subclass keras.Model: class "
           "MyVAE(keras.Model).")
    x = np.asarray(x, "float32")[:_BATCH]
    encoder, decoder = _networks(x.shape[1])
    weights = _random_weights(encoder, 0)
    encoder.set_weights(weights)
    decoder.set_weights(_random_weights(decoder, 1))
    start = [w.copy() for w in decoder.get_weights()]

    model = call_student(MyVAE, encoder, decoder, beta=_BETA, seed=0,
                         name=f"MyVAE(encoder, decoder, beta={_BETA}, seed=0)")
    expect(getattr(model, "encoder", None) is encoder and getattr(model, "decoder", None)
           is decoder, "MyVAE should keep the encoder and decoder it is given as self.encoder "
           "and self.decoder.")
    try:
        beta = float(np.asarray(model.beta))
    except (AttributeError, TypeError, ValueError):
        beta = None
    expect(beta == _BETA, f"MyVAE(..., beta={_BETA}) should keep beta as self.beta.")
    # One Adam for every probe, restarted in between (at learning rate 0 for the probes
    # that only read the logged terms); the library VAE gets the same.
    call_student(model.compile, optimizer=keras.optimizers.Adam(learning_rate=0.0),
                 name="compile() of your model")
    _probe_point_posterior(model, encoder, decoder, x, weights)
    _restart_optimizer(model.optimizer, 0.0)
    _probe_spread(model, encoder, decoder, x, weights)
    _restart_optimizer(model.optimizer, 1e-3)
    _probe_gradients(model, encoder, x, weights)

    # Ten Adam steps next to the library VAE, from the same weights on the same batch.
    encoder.set_weights(weights)
    decoder.set_weights(start)
    _restart_optimizer(model.optimizer, 3e-3)
    reference_encoder, reference_decoder = _networks(x.shape[1])
    reference_encoder.set_weights(weights)
    reference_decoder.set_weights(start)
    reference = VAE(reference_encoder, reference_decoder, beta=_BETA, seed=0)
    reference.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3))
    for _ in range(10):
        call_student(model.train_on_batch, x,
                     name="training your model on a batch (train_on_batch)")
        reference.train_on_batch(x)
    rng = np.random.default_rng(3)
    eps = rng.normal(size=(x.shape[0], _LATENT))

    def loss_after(enc, dec):
        mean, log_var = (np.asarray(a, "float64") for a in enc(x, training=False))
        recon, kl = _reference_terms(enc, dec, x, mean + np.exp(0.5 * log_var) * eps)
        return recon + _BETA * kl

    yours, library = loss_after(encoder, decoder), loss_after(reference_encoder, reference_decoder)
    expect(np.isfinite(yours), "after ten training steps your model's weights give a NaN loss.")
    gap = yours / library - 1
    expect(abs(gap) <= 0.01, f"after ten Adam steps from the same weights on the same batch, "
           f"your model's loss is {abs(gap):.1%} {'higher' if gap > 0 else 'lower'} than that "
           "of course_lib.models.VAE; they should agree to about 1 %. Are all the encoder's "
           "and decoder's weights trained?")
    return (f"loss, reconstruction and KL terms, beta, sampling and gradients all behave as "
            f"they should; after ten training steps your VAE's loss is within {abs(gap):.1%} "
            "of course_lib.models.VAE's.")


# ------------------------------------------------------------------ Exercise 4: train it
@exercise("Train your VAE",
          hints=("Build encoder and decoder with models.build_vae_encoder and "
                 "models.build_vae_decoder (784 pixels, latent_dim=2), pass them to MyVAE, "
                 "compile with an Adam optimizer, then fit.",
                 "fit(x_train, epochs=1, batch_size=256, ...) needs no targets: your "
                 "compute_loss takes everything from x."),
          answers=1)
def check_trained_vae(my_vae, x_val):
    """Is ``my_vae`` a trained 2-D VAE? Its encoder and decoder are scored on the validation
    digits with the library's objective (models.VAE), not with the student's own loss."""
    import keras

    from course_lib.models import VAE

    expect(isinstance(my_vae, keras.Model), "my_vae should be your trained model (an instance "
           f"of MyVAE), not a {type(my_vae).__name__}.")
    encoder, decoder = getattr(my_vae, "encoder", None), getattr(my_vae, "decoder", None)
    expect(isinstance(encoder, keras.Model) and isinstance(decoder, keras.Model),
           "my_vae should keep its encoder and decoder as my_vae.encoder and my_vae.decoder.")
    x_val = np.asarray(x_val, "float32")
    try:
        latent = int(decoder.inputs[0].shape[-1])
    except (AttributeError, IndexError, TypeError):
        raise Incorrect("my_vae.decoder should be a built Keras model taking z as its input, "
                        "e.g. from models.build_vae_decoder.") from None
    expect(latent == 2, f"my_vae has a {latent}-D latent space; the exercise asks for 2.")
    optimizer = getattr(my_vae, "optimizer", None)
    steps = int(np.asarray(optimizer.iterations)) if optimizer is not None else 0
    expect(steps > 0, "my_vae has not been trained yet: compile it, then fit it.")
    scorer = VAE(encoder, decoder, beta=1.0, seed=0)
    scorer.compile()
    logs = call_student(scorer.evaluate, x_val, batch_size=1000, verbose=0, return_dict=True,
                        name="scoring my_vae's encoder and decoder")
    loss = float(logs["loss"])
    expect(np.isfinite(loss), "my_vae's encoder and decoder give a NaN loss on the validation "
           "digits: the training diverged. Try a smaller learning rate.")
    x64 = x_val.astype("float64")
    p = np.clip(x64.mean(axis=0), 1e-7, 1 - 1e-7)
    baseline = float(-(x64 * np.log(p) + (1 - x64) * np.log(1 - p)).sum(axis=1).mean())
    expect(loss < baseline, f"on the validation digits, my_vae's encoder and decoder give "
           f"{loss:.1f} nats per image, no better than drawing every image from the average "
           f"grey value of each pixel ({baseline:.1f} nats): the model has not learned yet. "
           "Did the training run, on x_train, for a full epoch?")
    return (f"after {steps} training steps, your VAE's encoder and decoder give "
            f"{loss:.1f} nats per image on the validation digits (reconstruction "
            f"{float(logs['reconstruction_loss']):.1f} + KL {float(logs['kl_loss']):.1f}), "
            "scored with the library's objective.")


# ------------------------------------------------------------------ Exercise 5: active dimensions
_THRESHOLD = 0.01


@exercise("How many latent dimensions are used?",
          hints=("First one KL value per image and dimension (the summand of the formula), "
                 "then one value per dimension: its average over the digits.",
                 "Only then count: how many of the per-dimension averages exceed 0.01 nats? "
                 "The count cannot be larger than the number of latent dimensions."),
          answers=1)
def check_active_dims(active_dims, z_mean, z_log_var):
    """Number of latent dimensions whose KL, averaged over images, exceeds 0.01 nats."""
    count = answers.whole_number(active_dims, "active_dims", " (a count of dimensions)")
    mean, log_var = np.asarray(z_mean, "float64"), np.asarray(z_log_var, "float64")
    per_image = 0.5 * (np.exp(log_var) + mean ** 2 - 1 - log_var)  # images x dimensions
    n_images, total = per_image.shape
    average = per_image.mean(axis=0)
    reference = int((average > _THRESHOLD).sum())
    if count != reference:
        expect(count >= 0, "a count of dimensions cannot be negative.")
        expect(count <= total, f"{count} is more than the {total} latent dimensions: you "
               "counted values of single images. Average each dimension's KL over the "
               "digits first (one value per dimension), then count.")
        expect(not (count == total and reference < total), f"{total} is every dimension: "
               "count only those whose average KL is above 0.01 nats.")
        expect(count != int((per_image.sum(axis=0) > _THRESHOLD).sum()), "you summed each "
               f"dimension's KL over the {n_images} digits: even a tiny KL then adds up "
               "to more than 0.01. Average over the digits instead.")
        expect(count != int((per_image.max(axis=0) > _THRESHOLD).sum()), "you counted a "
               "dimension when some digit's KL exceeds 0.01; count it when its average over "
               "the digits does.")
        variance_only = 0.5 * (np.exp(log_var) - 1 - log_var)
        expect(count != int((variance_only.mean(axis=0) > _THRESHOLD).sum())
               and count != int((np.abs(log_var.mean(axis=0)) > _THRESHOLD).sum()),
               "your count looks at log_var alone. A dimension carries information when "
               "its KL is large, and the mean term mean**2 is part of the KL.")
        for other in (0.1, 0.001, 1.0, 0.05, 0.5):
            expect(count != int((average > other).sum()), "your count matches another "
                   "threshold than the exercise's: count the dimensions whose average KL "
                   "exceeds 0.01 nats.")
        raise Incorrect("this is not the number of dimensions whose KL, averaged over the "
                        "digits, exceeds 0.01 nats.")
    unused = total - reference
    rest = ("none is switched off" if unused == 0 else
            f"{unused} {'stays' if unused == 1 else 'stay'} at the prior (posterior collapse), "
            "which the KL term makes cheap")
    return f"{reference} of {total} dimensions carry information; {rest}."
