"""Keras 3 model builders used across the course (backend-agnostic: keras.ops only)."""

import math

import keras
from keras import layers


def build_mlp(input_dim=784, hidden=(784,), dropout=0.4, n_classes=10, name="mlp"):
    """Sequential MLP classifier: Dense(relu) + Dropout per hidden layer, softmax output.

    The defaults are the original course's digit classifier (623,290 parameters).
    """
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(input_dim,)))
    for units in hidden:
        model.add(layers.Dense(units, activation="relu"))
        model.add(layers.Dropout(dropout))
    model.add(layers.Dense(n_classes, activation="softmax"))
    return model


def build_mlp_functional(input_dim=784, hidden=(784,), dropout=0.4, n_classes=10, name="mlp"):
    """The same MLP written with the Functional API (layers called on tensors)."""
    inputs = keras.Input(shape=(input_dim,), name="pixels")
    x = inputs
    for units in hidden:
        x = layers.Dense(units, activation="relu")(x)
        x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name=name)


# --- Autoencoders and variational autoencoders (notebooks 03, 04 and 06) -------------------

def _dense_stack(x, hidden, activation, dropout, prefix):
    """Dense(+Dropout) layers applied in order to tensor x."""
    for i, units in enumerate(hidden):
        x = layers.Dense(units, activation=activation, name=f"{prefix}_dense{i + 1}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"{prefix}_dropout{i + 1}")(x)
    return x


def build_autoencoder(input_dim=784, latent_dim=2, hidden=(512, 256), activation="relu",
                      latent_activation=None, output_activation="sigmoid", dropout=0.0,
                      code_l1=0.0, corruption=None, name="autoencoder"):
    """Dense autoencoder with a mirrored decoder; returns (autoencoder, encoder, decoder).

    ``code_l1 > 0`` adds an L1 activity penalty on the code (a sparse autoencoder);
    ``corruption`` (e.g. an ImageCorruption layer) is applied to the autoencoder's input
    during training only (a denoising autoencoder); the encoder itself never corrupts.
    """
    inputs = keras.Input(shape=(input_dim,), name="x")
    h = _dense_stack(inputs, hidden, activation, dropout, "enc")
    regularizer = keras.regularizers.L1(code_l1) if code_l1 else None
    code = layers.Dense(latent_dim, activation=latent_activation, name="code",
                        activity_regularizer=regularizer)(h)
    encoder = keras.Model(inputs, code, name=f"{name}_encoder")

    latent = keras.Input(shape=(latent_dim,), name="z")
    h = _dense_stack(latent, tuple(reversed(hidden)), activation, dropout, "dec")
    outputs = layers.Dense(input_dim, activation=output_activation, name="x_hat")(h)
    decoder = keras.Model(latent, outputs, name=f"{name}_decoder")

    x = inputs if corruption is None else corruption(inputs)
    autoencoder = keras.Model(inputs, decoder(encoder(x)), name=name)
    return autoencoder, encoder, decoder


def build_vae_encoder(input_dim, latent_dim=2, hidden=(512, 256), activation="relu",
                      dropout=0.0, name="encoder"):
    """Dense encoder x -> (z_mean, z_log_var) of a diagonal Gaussian q(z|x)."""
    inputs = keras.Input(shape=(input_dim,), name="x")
    h = _dense_stack(inputs, hidden, activation, dropout, "enc")
    z_mean = layers.Dense(latent_dim, name="z_mean")(h)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(h)
    return keras.Model(inputs, [z_mean, z_log_var], name=name)


def build_vae_decoder(output_dim, latent_dim=2, hidden=(256, 512), activation="relu",
                      dropout=0.0, output_activation="sigmoid", name="decoder"):
    """Dense decoder z -> x_hat (hidden sizes in decoding order)."""
    latent = keras.Input(shape=(latent_dim,), name="z")
    h = _dense_stack(latent, hidden, activation, dropout, "dec")
    outputs = layers.Dense(output_dim, activation=output_activation, name="x_hat")(h)
    return keras.Model(latent, outputs, name=name)


def reconstruction_loss(x, x_hat, likelihood="bernoulli", dispersion=None):
    """Per-sample reconstruction term summed over features, in nats or squared error.

    ``"bernoulli"``: binary cross-entropy; ``"gaussian"``: squared error (a Gaussian with
    fixed variance); ``"negative_binomial"``: ``x`` are counts, ``x_hat`` each gene's share
    of the cell's molecules (a softmax), so the mean is ``x_hat * sum(x)``, with the observed
    library size as the offset, and ``dispersion`` the gene-wise inverse dispersion.
    """
    x = keras.ops.convert_to_tensor(x)
    x_hat = keras.ops.cast(x_hat, x.dtype)
    if likelihood == "bernoulli":
        per_feature = keras.ops.binary_crossentropy(x, x_hat)
    elif likelihood == "gaussian":
        per_feature = keras.ops.square(x - x_hat)
    elif likelihood == "negative_binomial":
        if dispersion is None:
            raise ValueError("a negative-binomial reconstruction needs the gene-wise dispersion")
        mean = x_hat * keras.ops.sum(x, axis=-1, keepdims=True)
        per_feature = -negative_binomial_log_prob(x, mean, keras.ops.cast(dispersion, x.dtype))
    else:
        raise ValueError(f"likelihood must be one of {LIKELIHOODS}, not {likelihood!r}")
    return keras.ops.sum(keras.ops.reshape(per_feature, (keras.ops.shape(x)[0], -1)), axis=-1)


LIKELIHOODS = ("bernoulli", "gaussian", "negative_binomial")

def log_gamma(x):
    """log Gamma(x), elementwise, on the active backend.

    keras.ops has no log-gamma function (Keras 3.15), so this uses the backend's own (the
    course runs on TensorFlow and JAX): one fused operation with its derivative (the digamma
    function), twice as fast in training as a series written with keras.ops.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.math.lgamma(x)
    if backend == "jax":
        import jax

        return jax.lax.lgamma(keras.ops.convert_to_tensor(x))
    if backend == "numpy":
        from scipy.special import gammaln

        return gammaln(x)
    raise NotImplementedError(f"log_gamma has no implementation for the {backend} backend")


def negative_binomial_log_prob(counts, mean, dispersion, eps=1e-8):
    """log NB(counts | mean, dispersion) elementwise; variance = mean + mean^2 / dispersion.

    The parameterisation of DCA and scVI: ``dispersion`` (theta) is the inverse
    overdispersion, and as theta grows the distribution approaches a Poisson of that mean.
    """
    log_total = keras.ops.log(dispersion + mean + eps)
    return (log_gamma(counts + dispersion) - log_gamma(dispersion) - log_gamma(counts + 1.0)
            + dispersion * (keras.ops.log(dispersion + eps) - log_total)
            + counts * (keras.ops.log(mean + eps) - log_total))


def kl_to_prior(z_mean, z_log_var, prior_sd=1.0):
    """Per-sample KL( N(z_mean, exp(z_log_var)) || N(0, prior_sd^2 I) ), summed over dims."""
    prior_var = float(prior_sd) ** 2
    kl = 0.5 * ((keras.ops.exp(z_log_var) + keras.ops.square(z_mean)) / prior_var
                - 1.0 - z_log_var + math.log(prior_var))
    return keras.ops.sum(kl, axis=-1)


def _batched(function, x, batch_size=512):
    """Apply ``function`` to row blocks of ``x`` eagerly; NumPy results, filled in place.

    The output is allocated once and filled block by block: stacking a list of blocks at the
    end would hold every result twice (for Kang's 7,000 genes, 55 MB more at the peak).
    """
    import numpy as np

    x = np.asarray(x, dtype="float32")
    out, several = None, False
    for i in range(0, len(x), batch_size):
        result = function(x[i:i + batch_size])
        several = isinstance(result, (list, tuple))
        parts = [keras.ops.convert_to_numpy(r) for r in (result if several else (result,))]
        if out is None:
            out = [np.empty((len(x),) + p.shape[1:], p.dtype) for p in parts]
        for whole, part in zip(out, parts):
            whole[i:i + len(part)] = part
    return tuple(out) if several else out[0]


@keras.saving.register_keras_serializable(package="course_lib")
class VAE(keras.Model):
    """Variational autoencoder (Kingma & Welling 2013) with a beta-weighted KL term.

    The encoder maps x to (z_mean, z_log_var), the decoder maps z to x_hat. Training
    minimises, per sample and averaged over the batch,
    ``reconstruction(x, decoder(z)) + beta * KL(q(z|x) || N(0, prior_sd^2 I))`` with
    ``z = z_mean + exp(z_log_var / 2) * eps`` (the reparameterisation trick). The loss
    is computed inside the model (``compute_loss``, in the style of the keras.io
    examples), from ``x`` alone: it encodes, samples and decodes itself, so it never reads
    a posterior left over from an earlier call. The built-in ``fit``, ``evaluate``,
    validation data, callbacks and compiled metrics work on every backend.
    Calling the model gives the reconstruction through z_mean (through a sampled z when
    ``training=True``); compiled metrics see that output.
    Validation/evaluation losses also sample z, so they estimate the same objective.
    If ``fit`` gets targets ``y``, they are reconstructed instead of ``x`` (denoising).
    With ``likelihood="negative_binomial"`` (DCA, scVI) the encoder reads log-expression,
    ``y`` holds the counts, the decoder gives each gene's share of a cell's molecules
    (softmax output) and the model learns one inverse dispersion per gene.
    """

    def __init__(self, encoder, decoder, beta=1.0, prior_sd=1.0, likelihood="bernoulli",
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, not {likelihood!r}")
        self.encoder = encoder
        self.decoder = decoder
        self.beta = float(beta)
        self.prior_sd = float(prior_sd)
        self.likelihood = likelihood
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        if likelihood == "negative_binomial":  # one inverse dispersion per gene, learnt
            self.log_dispersion = self.add_weight(
                shape=(int(decoder.outputs[0].shape[-1]),), initializer="zeros",
                name="log_dispersion")

    @property
    def latent_dim(self):
        """Number of latent dimensions."""
        return int(self.decoder.inputs[0].shape[-1])

    def sample_z(self, z_mean, z_log_var):
        """Reparameterised draw z = mean + sd * eps, eps ~ N(0, I)."""
        eps = keras.random.normal(keras.ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + keras.ops.exp(0.5 * z_log_var) * eps

    def call(self, inputs, training=False):
        """Reconstruction: through a sampled z when training, through z_mean otherwise."""
        z_mean, z_log_var = self.encoder(inputs, training=training)
        z = self.sample_z(z_mean, z_log_var) if training else z_mean
        return self.decoder(z, training=training)

    def loss_terms(self, target, x_hat, z_mean, z_log_var):
        """Per-sample (reconstruction, KL) terms of the objective."""
        dispersion = self.dispersion if self.likelihood == "negative_binomial" else None
        return (reconstruction_loss(target, x_hat, self.likelihood, dispersion),
                kl_to_prior(z_mean, z_log_var, self.prior_sd))

    @property
    def dispersion(self):
        """Gene-wise inverse dispersion theta of a negative-binomial VAE."""
        return keras.ops.exp(self.log_dispersion)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Batch mean of reconstruction + beta * KL for x; updates the component trackers.

        ``y_pred`` (the output of ``call``) is not used: the loss needs the posterior of x
        and a reconstruction from a sampled z of that same posterior, so it computes both
        here. Unused, the forward pass of ``call`` costs nothing under a compiled step
        (TensorFlow and XLA prune it) unless compiled metrics read it.
        """
        if y is None and self.likelihood == "negative_binomial":
            raise ValueError("a negative-binomial VAE reconstructs counts: call fit(x, y) with "
                             "the encoder's input as x and the cells' counts as y")
        z_mean, z_log_var = self.encoder(x, training=training)
        x_hat = self.decoder(self.sample_z(z_mean, z_log_var), training=training)
        recon, kl = self.loss_terms(x if y is None else y, x_hat, z_mean, z_log_var)
        recon, kl = keras.ops.mean(recon), keras.ops.mean(kl)
        total = recon + self.beta * kl
        for loss in self.losses:  # e.g. weight or activity regularisers in the sub-models
            total = total + keras.ops.sum(loss)
        self.reconstruction_loss_tracker.update_state(recon)
        self.kl_loss_tracker.update_state(kl)
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Compiled metrics see (target, reconstruction); the target defaults to x."""
        return super().compute_metrics(x, x if y is None else y, y_pred, sample_weight)

    # -- convenience methods returning NumPy arrays ------------------------------------
    # Batch by batch through the sub-models, not with Keras's ``predict``: its input pipeline
    # and traced functions cost a few hundred MB on a matrix of 7,000 genes.
    def encode_distribution(self, x, batch_size=512):
        """Posterior parameters (z_mean, z_log_var) as NumPy arrays."""
        return _batched(lambda b: tuple(self.encoder(b, training=False)), x, batch_size)

    def encode(self, x, batch_size=512):
        """Latent means z_mean for x, as a NumPy array."""
        return self.encode_distribution(x, batch_size)[0]

    def decode(self, z, batch_size=512):
        """Decoded outputs for latent points z, as a NumPy array."""
        import numpy as np

        z = np.asarray(z, dtype="float32").reshape(-1, self.latent_dim)
        return _batched(lambda b: self.decoder(b, training=False), z, batch_size)

    def reconstruct(self, x, batch_size=512):
        """Deterministic reconstructions decode(encode(x)), as a NumPy array."""
        return _batched(lambda b: self(b, training=False), x, batch_size)

    def generate(self, n, seed=0):
        """n samples decoded from latent points drawn from the prior N(0, prior_sd^2 I)."""
        import numpy as np

        z = np.random.default_rng(seed).normal(0.0, self.prior_sd, size=(n, self.latent_dim))
        return self.decode(z)

    def get_config(self):
        """Config with the serialised encoder and decoder."""
        config = super().get_config()
        config.update(
            encoder=keras.saving.serialize_keras_object(self.encoder),
            decoder=keras.saving.serialize_keras_object(self.decoder),
            beta=self.beta, prior_sd=self.prior_sd, likelihood=self.likelihood,
            seed=self.seed)
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild from get_config()."""
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)


def build_vae(input_dim, latent_dim=2, hidden=(512, 256), activation="relu", dropout=0.0,
              output_activation="sigmoid", beta=1.0, prior_sd=1.0, likelihood="bernoulli",
              seed=0, name="vae"):
    """Dense VAE: encoder input_dim -> hidden -> (z_mean, z_log_var), mirrored decoder."""
    encoder = build_vae_encoder(input_dim, latent_dim, hidden, activation, dropout,
                                name=f"{name}_encoder")
    decoder = build_vae_decoder(input_dim, latent_dim, tuple(reversed(hidden)), activation,
                                dropout, output_activation, name=f"{name}_decoder")
    vae = VAE(encoder, decoder, beta=beta, prior_sd=prior_sd, likelihood=likelihood,
              seed=seed, name=name)
    vae.build((None, input_dim))
    return vae


# ---------------------------------------------------------------- notebook 01: one model on several backends
_BACKEND_MODULES = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow", "numpy": "numpy"}
_PREDICT_SCRIPT = """
import sys
from pathlib import Path
import numpy as np
import keras
folder = Path(sys.argv[1])
model = keras.models.model_from_json((folder / "model.json").read_text())
weights = np.load(folder / "weights.npz")
model.set_weights([weights[f"arr_{i}"] for i in range(len(weights.files))])
outputs = keras.ops.convert_to_numpy(model(np.load(folder / "x.npy"), training=False))
np.save(folder / "out.npy", outputs)
backend = keras.backend.backend()
module = __import__(backend)
print(f"Keras {keras.__version__} on {backend} {getattr(module, '__version__', '')}")
"""


def predict_on_backend(model, x, backend="jax", timeout=600):
    """Outputs of ``model`` on ``x`` computed by another Keras backend in a fresh process.

    The architecture (JSON) and the weights (NumPy arrays) are handed to a new Python
    process started with ``KERAS_BACKEND=backend`` (a running process cannot switch
    backends), which rebuilds the model and runs it. Returns a NumPy array, or ``None``
    after printing why, if the backend is not installed or fails.
    """
    import importlib.util
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    import numpy as np

    module = _BACKEND_MODULES.get(backend, backend)
    if importlib.util.find_spec(module) is None:
        print(f"The '{backend}' backend is not installed in this environment, so this "
              f"comparison is skipped (install it with: pip install {module}).")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "model.json").write_text(model.to_json())
        np.savez(tmp / "weights.npz", *[np.asarray(w) for w in model.get_weights()])
        np.save(tmp / "x.npy", keras.ops.convert_to_numpy(x))
        env = dict(os.environ, KERAS_BACKEND=backend, JAX_PLATFORMS="cpu",
                   TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore")
        try:
            done = subprocess.run(
                [sys.executable, "-c", _PREDICT_SCRIPT, str(tmp)],
                env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"The '{backend}' backend did not answer within {timeout} s; skipped.")
            return None
        if done.returncode != 0:
            last = "\n".join(done.stderr.strip().splitlines()[-3:])
            print(f"Running the model on the '{backend}' backend failed; skipped.\n{last}")
            return None
        print(f"Computed in a separate process by {done.stdout.strip()}")
        return np.load(tmp / "out.npy")


# --- Corrupted inputs for denoising and completion (notebook 03) ----------------------------

def add_noise(x, sd=0.5, seed=0, clip=(0.0, 1.0)):
    """Copy of x with Gaussian noise of standard deviation sd added, clipped to ``clip``."""
    import numpy as np

    noisy = np.asarray(x, dtype="float32") + np.random.default_rng(seed).normal(
        0.0, sd, np.shape(x)).astype("float32")
    return noisy if clip is None else np.clip(noisy, *clip)


def mask_patch(x, size=12, side=28, seed=0):
    """Copy of flattened square images with one random size x size patch set to 0, and the mask."""
    import numpy as np

    x = np.asarray(x, dtype="float32")
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, side - size + 1, len(x))
    cols = rng.integers(0, side - size + 1, len(x))
    mask = np.zeros((len(x), side, side), dtype=bool)
    for i, (r, c) in enumerate(zip(rows, cols)):
        mask[i, r:r + size, c:c + size] = True
    mask = mask.reshape(x.shape)
    return np.where(mask, 0.0, x).astype("float32"), mask


@keras.saving.register_keras_serializable(package="course_lib")
class ImageCorruption(layers.Layer):
    """Training-only corruption of flattened square images: noise on some, a blank patch on the rest.

    Each image gets, with probability ``noise_fraction``, Gaussian noise (sd ``noise_sd``,
    clipped to [0, 1]), otherwise a random ``patch`` x ``patch`` square set to 0. Fresh
    corruption every batch; at inference (``training=False``) the layer passes x through.
    """

    def __init__(self, noise_sd=0.5, patch=12, side=28, noise_fraction=0.5, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.noise_sd, self.patch, self.side = float(noise_sd), int(patch), int(side)
        self.noise_fraction, self.seed = float(noise_fraction), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        """Corrupted x when training, x itself otherwise."""
        if not training:
            return x
        ops, n, side = keras.ops, keras.ops.shape(x)[0], self.side
        noise = keras.random.normal(ops.shape(x), stddev=self.noise_sd, seed=self.seed_generator)
        noisy = ops.clip(x + noise, 0.0, 1.0)
        corner = keras.random.randint((n, 2), 0, side - self.patch + 1, seed=self.seed_generator)
        rows = ops.arange(side)[None, :, None]
        cols = ops.arange(side)[None, None, :]
        top, left = corner[:, 0, None, None], corner[:, 1, None, None]
        inside = ((rows >= top) & (rows < top + self.patch)
                  & (cols >= left) & (cols < left + self.patch))
        masked = ops.where(ops.reshape(inside, (n, side * side)), ops.zeros_like(x), x)
        use_noise = keras.random.uniform((n, 1), seed=self.seed_generator) < self.noise_fraction
        return ops.where(use_noise, noisy, masked)

    def get_config(self):
        """Layer config."""
        return {**super().get_config(), "noise_sd": self.noise_sd, "patch": self.patch,
                "side": self.side, "noise_fraction": self.noise_fraction, "seed": self.seed}
