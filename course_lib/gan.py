"""Generative adversarial networks in Keras 3: a dense GAN and a WGAN-GP (scGAN-style).

Both models are ``keras.Model`` subclasses with their own ``train_step`` and two
optimizers, one for the discriminator (critic) and one for the generator. The losses are
written once with ``keras.ops``; only the gradient bookkeeping depends on the backend:
``tf.GradientTape`` on TensorFlow, ``jax.value_and_grad`` over stateless variable values
on JAX. Tested with Keras 3.15.1 on both (other Keras minor releases have changed the
trainer internals that a two-optimizer loop relies on).
"""

import keras
import numpy as np
from keras import layers, ops


# ---------------------------------------------------------------- networks
class FeatureNoise(layers.Layer):
    """Add independent Gaussian noise with a learned scale to every feature (always on).

    The latent code describes a sample's state; this layer adds the independent
    per-feature variation that a low-dimensional code cannot produce, such as the
    sampling noise of each gene's count in a cell.
    """

    def __init__(self, initial_scale=0.1, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.initial_scale = initial_scale
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.log_scale = self.add_weight(
            shape=(input_shape[-1],), name="log_scale",
            initializer=keras.initializers.Constant(float(np.log(self.initial_scale))))

    def call(self, x):
        noise = keras.random.normal(ops.shape(x), seed=self.seed_generator)
        return x + ops.exp(self.log_scale) * noise

    def get_config(self):
        return {**super().get_config(), "initial_scale": self.initial_scale}


class CountSnap(layers.Layer):
    """Round log-normalised values to whole counts at a library size drawn from real cells.

    Each sample gets a library size L drawn from ``library_sizes``; its values become
    log1p(round(expm1(x) * L / target_sum) * target_sum / L), values a real cell with L
    UMIs can take. The rounding has no gradient, so the backward pass goes straight
    through (identity), as in a straight-through estimator.
    """

    def __init__(self, library_sizes, target_sum=1e4, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.library_sizes = [float(v) for v in np.ravel(library_sizes)]
        self.target_sum = float(target_sum)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x):
        sizes = ops.convert_to_tensor(np.asarray(self.library_sizes, dtype="float32"))
        pick = keras.random.randint((ops.shape(x)[0],), 0, len(self.library_sizes),
                                    seed=self.seed_generator)
        library = ops.expand_dims(ops.take(sizes, pick), -1) / self.target_sum
        counts = ops.round(ops.expm1(ops.maximum(x, 0.0)) * library)
        snapped = ops.log1p(counts / library)
        return x + ops.stop_gradient(snapped - x)

    def get_config(self):
        return {**super().get_config(), "library_sizes": self.library_sizes,
                "target_sum": self.target_sum}


def build_generator(latent_dim=64, output_dim=784, hidden=(256, 512),
                    output_activation="sigmoid", batchnorm=False, feature_noise=0.0,
                    n_classes=0, library_sizes=None, name="generator"):
    """Dense generator: noise -> Dense + LeakyReLU per hidden layer -> ``output_dim`` values.

    ``output_activation="sigmoid"`` suits pixels in [0, 1]; ``"relu"`` suits expression
    values (non-negative, exact zeros possible), as in scGAN. ``feature_noise`` > 0 adds
    a :class:`FeatureNoise` layer with that initial scale before the output activation.
    ``n_classes`` widens the input for a conditional GAN (noise and one-hot label,
    concatenated). With ``library_sizes`` the output passes a :class:`CountSnap` layer.
    """
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(latent_dim + n_classes,)))
    for units in hidden:
        model.add(layers.Dense(units))
        if batchnorm:
            model.add(layers.BatchNormalization())
        model.add(layers.LeakyReLU(0.2))
    if feature_noise:
        model.add(layers.Dense(output_dim))
        model.add(FeatureNoise(initial_scale=float(feature_noise), name="feature_noise"))
        model.add(layers.Activation(output_activation))
    else:
        model.add(layers.Dense(output_dim, activation=output_activation))
    if library_sizes is not None:
        model.add(CountSnap(library_sizes, name="count_snap"))
    return model


def build_discriminator(input_dim=784, hidden=(512, 256), dropout=0.3, n_classes=0,
                        name="discriminator"):
    """Dense discriminator (or WGAN critic): one unbounded score (logit) per sample.

    Use ``dropout=0`` for a WGAN-GP critic: the gradient penalty differentiates the
    critic with respect to its input, which must be a deterministic function.
    ``n_classes`` widens the input for a conditional GAN (sample and one-hot label).
    """
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(input_dim + n_classes,)))
    for units in hidden:
        model.add(layers.Dense(units))
        model.add(layers.LeakyReLU(0.2))
        if dropout:
            model.add(layers.Dropout(dropout))
    model.add(layers.Dense(1))
    return model


# ---------------------------------------------------------------- models
class _OptimizerPair:
    """The two optimizers, seen by the Keras trainer as one (on JAX it passes their state)."""

    def __init__(self, *pairs):
        self.pairs = pairs  # (optimizer, network) tuples

    @property
    def built(self):
        return all(optimizer.built for optimizer, _ in self.pairs)

    def build(self, variables=None):
        for optimizer, network in self.pairs:
            if not optimizer.built:
                optimizer.build(network.trainable_variables)

    @property
    def variables(self):
        return [v for optimizer, _ in self.pairs for v in optimizer.variables]


class GAN(keras.Model):
    """Generator against discriminator (Goodfellow et al. 2014), non-saturating loss.

    ``label_smoothing`` > 0 labels real samples ``1 - label_smoothing`` in the
    discriminator's loss (one-sided smoothing, Salimans et al. 2016). ``d_steps``
    discriminator updates are made per generator update, on the same real batch.
    With ``n_classes`` > 0 the GAN is conditional: fit it on ``(x, one_hot_labels)``;
    both networks then also receive the one-hot label (their inputs are that much wider).
    """

    extra_metric_names = ()

    def __init__(self, generator, discriminator, latent_dim=None, label_smoothing=0.0,
                 d_steps=1, n_classes=0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.n_classes = int(n_classes)
        self.latent_dim = int(latent_dim or generator.input_shape[-1] - self.n_classes)
        self.label_smoothing = float(label_smoothing)
        self.d_steps = int(d_steps)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.extra_trackers = [keras.metrics.Mean(name=n) for n in self.extra_metric_names]
        self.built = True  # both networks are built; fit must not try to call the GAN on data

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Attach one optimizer per network (default Adam, lr 2e-4, beta_1 0.5, as in DCGAN)."""
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.optimizer = _OptimizerPair((self.d_optimizer, self.discriminator),
                                        (self.g_optimizer, self.generator))

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, *self.extra_trackers]

    def call(self, z, training=False):
        return self.generator(z, training=training)

    # ------------------------------------------------------------ networks and losses
    def sample_latent(self, batch_size):
        """Standard-normal noise, shape (batch_size, latent_dim), from the model's seed."""
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def generate_from(self, z, labels=None, training=True):
        """Generator output for noise z (and one-hot labels if conditional)."""
        inputs = z if labels is None else ops.concatenate([z, labels], axis=-1)
        return self.generator(inputs, training=training)

    def score(self, x, labels=None):
        """Discriminator (critic) output for samples x (and one-hot labels if conditional)."""
        inputs = x if labels is None else ops.concatenate([x, labels], axis=-1)
        return self.discriminator(inputs, training=True)

    def discriminator_loss(self, real, fake, labels=None):
        """Binary cross-entropy: real labelled ``1 - label_smoothing``, generated labelled 0.

        Returns the loss and a dict of extra numbers to log (none here).
        """
        real_logits, fake_logits = self.score(real, labels), self.score(fake, labels)
        target = 1.0 - self.label_smoothing
        # BCE(logit l, target t) = softplus(l) - t * l
        loss = (ops.mean(ops.softplus(real_logits) - target * real_logits)
                + ops.mean(ops.softplus(fake_logits)))
        return loss, {}

    def generator_loss(self, fake, labels=None):
        """Non-saturating generator loss, -log D(G(z))."""
        return ops.mean(ops.softplus(-self.score(fake, labels)))

    # ------------------------------------------------------------ training
    def train_step(self, *args):
        """One generator update after ``d_steps`` discriminator updates."""
        backend = keras.backend.backend()
        if backend == "tensorflow":
            return self._train_step_tensorflow(*args)
        if backend == "jax":
            return self._train_step_jax(*args)
        raise NotImplementedError(f"GAN training is implemented for TensorFlow and JAX, "
                                  f"not the {backend} backend.")

    def _unpack(self, data):
        x, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if self.n_classes and labels is None:
            raise ValueError("a conditional GAN is fitted on (x, one_hot_labels)")
        return x, (ops.cast(labels, x.dtype) if self.n_classes else None)

    def _update_trackers(self, d_losses, g_loss):
        for d_loss, extras in d_losses:
            self._track_discriminator(d_loss, extras)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}

    def _track_discriminator(self, d_loss, extras):
        self.d_loss_tracker.update_state(d_loss)
        for tracker in self.extra_trackers:
            tracker.update_state(extras[tracker.name])

    def _train_step_tensorflow(self, data):
        import tensorflow as tf

        real, labels = self._unpack(data)
        batch_size = ops.shape(real)[0]
        d_vars = self.discriminator.trainable_variables

        def critic_step(step):
            fake = self.generate_from(self.sample_latent(batch_size), labels)
            with tf.GradientTape() as tape:
                d_loss, extras = self.discriminator_loss(real, fake, labels)
            grads = tape.gradient(d_loss, d_vars)
            self.d_optimizer.apply_gradients(zip(grads, d_vars))
            self._track_discriminator(d_loss, extras)
            return step + 1

        # A graph loop keeps one copy of the (second-order, large) critic step in the
        # traced graph instead of d_steps copies.
        tf.while_loop(lambda step: step < self.d_steps, critic_step, [tf.constant(0)])
        g_vars = self.generator.trainable_variables
        z = self.sample_latent(batch_size)
        with tf.GradientTape() as tape:
            g_loss = self.generator_loss(self.generate_from(z, labels), labels)
        grads = tape.gradient(g_loss, g_vars)
        self.g_optimizer.apply_gradients(zip(grads, g_vars))
        return self._update_trackers([], g_loss)

    def _train_step_jax(self, state, data):
        import jax

        trainable, non_trainable, optimizer_values, metric_values = state
        real, labels = self._unpack(data)
        batch_size = real.shape[0]
        all_trainable, all_non_trainable = self.trainable_variables, self.non_trainable_variables
        n_d_opt = len(self.d_optimizer.variables)
        opt_values = {"d": list(optimizer_values[:n_d_opt]), "g": list(optimizer_values[n_d_opt:])}
        trainable, non_trainable = list(trainable), list(non_trainable)

        def positions(network):
            ids = [id(v) for v in all_trainable]
            return [ids.index(id(v)) for v in network.trainable_variables]

        def run(fn, trainable, non_trainable):
            """fn() with the given variable values; returns its output and new non-trainables."""
            mapping = list(zip(all_trainable, trainable)) + list(zip(all_non_trainable,
                                                                      non_trainable))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                out = fn()
            updated = [scope.get_current_value(v) for v in all_non_trainable]
            return out, [old if new is None else new
                         for old, new in zip(non_trainable, updated)]

        def update(network, optimizer, key, loss_fn):
            """One optimizer step on ``network`` for loss_fn() -> (loss, aux)."""
            nonlocal trainable, non_trainable
            where = positions(network)

            def objective(values, non_trainable):
                current = list(trainable)
                for i, value in zip(where, values):
                    current[i] = value
                (loss, aux), new_non_trainable = run(loss_fn, current, non_trainable)
                return loss, (aux, new_non_trainable)

            values = [trainable[i] for i in where]
            (loss, (aux, non_trainable)), grads = jax.value_and_grad(objective, has_aux=True)(
                values, non_trainable)
            values, opt_values[key] = optimizer.stateless_apply(opt_values[key], grads, values)
            for i, value in zip(where, values):
                trainable[i] = value
            return loss, aux

        def d_loss_fn():
            fake = ops.stop_gradient(self.generate_from(self.sample_latent(batch_size), labels))
            return self.discriminator_loss(real, fake, labels)

        def g_loss_fn():
            fake = self.generate_from(self.sample_latent(batch_size), labels)
            return self.generator_loss(fake, labels), {}

        d_losses = [update(self.discriminator, self.d_optimizer, "d", d_loss_fn)
                    for _ in range(self.d_steps)]
        g_loss, _ = update(self.generator, self.g_optimizer, "g", g_loss_fn)

        mapping = list(zip(self.metrics_variables, metric_values))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = self._update_trackers(d_losses, g_loss)
        metric_values = [scope.get_current_value(v) for v in self.metrics_variables]
        return logs, (trainable, non_trainable, opt_values["d"] + opt_values["g"], metric_values)

    # ------------------------------------------------------------ sampling
    def generate(self, n, seed=0, labels=None, raw=False, batch_size=1024):
        """``n`` generated samples as a NumPy array, from seeded standard-normal noise.

        A conditional GAN needs ``labels``: one class index per sample (or a single one).
        ``raw=True`` returns the values before a final :class:`CountSnap` layer.
        """
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")
        if self.n_classes:
            if labels is None:
                raise ValueError("a conditional GAN needs labels: one class index per sample")
            labels = np.broadcast_to(np.asarray(labels, dtype=int), (n,))
            z = np.hstack([z, np.eye(self.n_classes, dtype="float32")[labels]])
        generator = self.generator
        if raw and isinstance(generator.layers[-1], CountSnap):
            generator = keras.Model(generator.inputs, generator.layers[-2].output)
        return generator.predict(z, batch_size=batch_size, verbose=0)


def _input_gradient(fn, x):
    """Gradient of sum(fn(x)) with respect to the input x (inside a training step)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            out = fn(x)
        return tape.gradient(out, x)
    if backend == "jax":
        import jax

        return jax.grad(lambda v: ops.sum(fn(v)))(x)
    raise NotImplementedError(f"input gradients are not implemented for {backend}")


class WGANGP(GAN):
    """Wasserstein GAN with gradient penalty (Gulrajani et al. 2017), the scGAN objective.

    The critic maximises E[D(real)] - E[D(fake)] while the penalty keeps the norm of its
    input gradient near 1 on random interpolates of real and generated samples; the
    generator maximises E[D(fake)]. Logs ``w_distance`` (the critic's estimate of the
    Wasserstein distance, which should fall as the generator improves) and ``gp``.
    """

    extra_metric_names = ("w_distance", "gp")

    def __init__(self, generator, critic, latent_dim=None, gp_weight=10.0, d_steps=5,
                 n_classes=0, seed=None, **kwargs):
        super().__init__(generator, critic, latent_dim=latent_dim, d_steps=d_steps,
                         n_classes=n_classes, seed=seed, **kwargs)
        self.gp_weight = float(gp_weight)

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Attach the optimizers (default Adam, lr 1e-4, betas 0.5/0.9, as in the WGAN-GP paper)."""
        super().compile(
            d_optimizer=d_optimizer or keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
            g_optimizer=g_optimizer or keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
            **kwargs)

    def gradient_penalty(self, real, fake, labels=None):
        """Mean of (||grad_x D(x)|| - 1)^2 over random interpolates x of real and fake."""
        shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        alpha = keras.random.uniform(shape, seed=self.seed_generator)
        mixed = real + alpha * (fake - real)
        grads = _input_gradient(lambda v: self.score(v, labels), mixed)
        axes = tuple(range(1, len(real.shape)))
        norms = ops.sqrt(ops.sum(ops.square(grads), axis=axes) + 1e-12)
        return ops.mean(ops.square(norms - 1.0))

    def discriminator_loss(self, real, fake, labels=None):
        """Critic loss E[D(fake)] - E[D(real)] + gp_weight * penalty, and its parts to log."""
        w_distance = ops.mean(self.score(real, labels)) - ops.mean(self.score(fake, labels))
        gp = self.gradient_penalty(real, fake, labels)
        return -w_distance + self.gp_weight * gp, {"w_distance": w_distance, "gp": gp}

    def generator_loss(self, fake, labels=None):
        """Generator loss -E[D(G(z))]."""
        return -ops.mean(self.score(fake, labels))


# ---------------------------------------------------------------- callbacks
class SampleSnapshots(keras.callbacks.Callback):
    """Generator outputs for fixed noise at chosen epochs (0 = before training), to watch a GAN.

    For a conditional GAN the samples cycle through the classes (or use ``labels``).
    """

    def __init__(self, epochs, n=10, seed=0, labels=None):
        super().__init__()
        self.epochs = set(epochs)
        self.n, self.seed, self.labels = n, seed, labels
        self.snapshots = {}

    def on_train_begin(self, logs=None):
        rng = np.random.default_rng(self.seed)
        self.z = rng.standard_normal((self.n, self.model.latent_dim)).astype("float32")
        if self.model.n_classes:
            labels = np.arange(self.n) % self.model.n_classes if self.labels is None \
                else np.asarray(self.labels)
            self.z = np.hstack([self.z, np.eye(self.model.n_classes, dtype="float32")[labels]])
        if 0 in self.epochs:
            self._snap(0)

    def _snap(self, epoch):
        out = self.model.generator(self.z, training=False)
        self.snapshots[epoch] = ops.convert_to_numpy(out)

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            self._snap(epoch + 1)
