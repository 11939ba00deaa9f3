"""Checks for notebook 05 (GANs): the GAN's training step, the WGAN-GP gradient penalty,
label smoothing, a deeper generator, telltale genes.

The two training-step checks run the student's TensorFlow code (``tf.GradientTape``, as in
the keras-io GAN examples) on small networks with fixed weights and a fixed batch, record
what the student's code fed to the networks (the noise it drew, the interpolates it built),
and recompute the same step with the losses of :mod:`course_lib.gan` from those inputs.
Where the student's result differs, they recompute the usual mistakes the same way to name
the one that was made.
"""

import itertools
import numbers
import re
from types import SimpleNamespace

import numpy as np

from course_lib.exercises import Incorrect, answers, call_student, exercise, expect

LEARNING_RATE = 0.1  # plain SGD in the checks: a weight change is the gradient, scaled


def _require_tensorflow(what):
    import keras

    backend = keras.backend.backend()
    expect(backend == "tensorflow", f"{what} is written with tf.GradientTape, and this check "
           f"runs it on the TensorFlow backend (the course default); this kernel runs Keras on "
           f"{backend}. Restart it with KERAS_BACKEND=tensorflow to check this exercise.")


# ---------------------------------------------------------------- small networks with a recorder
def _recorder_class():
    import keras
    import tensorflow as tf

    class Recorder(keras.layers.Layer):
        """Identity layer that keeps a copy of every input it sees when run eagerly."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seen = []

        def call(self, x):
            if tf.executing_eagerly() and hasattr(x, "numpy"):
                self.seen.append(np.array(x))
            return x

    return Recorder


def _network(sizes, activation, seed, name, record=True):
    """Dense network with fixed weights (from ``seed``), optionally recording its inputs."""
    import keras

    layers = [keras.Input((sizes[0],))]
    if record:
        layers.append(_recorder_class()(name=f"{name}_inputs"))
    for units in sizes[1:-1]:
        layers.append(keras.layers.Dense(units, activation=activation))
    layers.append(keras.layers.Dense(sizes[-1]))
    model = keras.Sequential(layers, name=name)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return model


def _seen(model):
    return model.layers[0].seen if model.layers and hasattr(model.layers[0], "seen") else []


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


def _same_weights(a, b, scale=None):
    """Weights (lists of arrays) equal up to float32 noise, relative to ``scale`` (a change)."""
    gap = np.sqrt(sum(np.sum((x - y) ** 2) for x, y in zip(a, b)))
    size = scale if scale is not None else np.sqrt(sum(np.sum(x ** 2) for x in a))
    return bool(gap <= 1e-4 * size + 1e-6)


def _distance(a, b):
    return float(np.sqrt(sum(np.sum((x - y) ** 2) for x, y in zip(a, b))))


def _sgd(network, weights, loss_fn):
    """Weights after one SGD step on ``loss_fn(network)`` from ``weights`` (network restored)."""
    import tensorflow as tf

    before = _weights(network)
    network.set_weights(weights)
    with tf.GradientTape() as tape:
        loss = loss_fn(network)
    grads = tape.gradient(loss, network.trainable_variables)
    new = [w - LEARNING_RATE * (0 if g is None else np.array(g))
           for w, g in zip(weights, grads)]
    network.set_weights(before)
    return new, float(loss)


# ---------------------------------------------------------------- the GAN's training step
BATCH, LATENT, FEATURES, SMOOTHING = 32, 8, 6, 0.1


def _bce(target, logits):
    """Mean binary cross-entropy of logits against a constant target (as gan.GAN writes it)."""
    from keras import ops

    return ops.mean(ops.softplus(logits) - target * logits)


def _bce_probabilities(target, logits):
    """The same loss computed as if the logits were probabilities (from_logits forgotten)."""
    import keras
    from keras import ops

    return ops.mean(keras.losses.binary_crossentropy(ops.full_like(logits, target), logits))


_T = 1.0 - SMOOTHING
OTHER_SMOOTHING = 0.3  # a second value: the target must follow the attribute
# The discriminator loss is a term on the real logits plus one on the generated logits;
# each term as written right, and as the usual mistakes write it, with what to tell.
REAL_TERMS = {
    "right": (lambda r: _bce(_T, r), ""),
    "target 1": (lambda r: _bce(1.0, r),
                 "the real samples get target 1, so self.label_smoothing is ignored: real "
                 "samples should get the target 1 - self.label_smoothing."),
    "target 0": (lambda r: _bce(0.0, r),
                 "your discriminator calls the real samples fake (target 0): real samples get "
                 "target 1 - self.label_smoothing."),
    "two-sided": (lambda r: _bce(1.0 - SMOOTHING / 2, r),
                  "the real target looks like Keras's BinaryCrossentropy(label_smoothing=...), "
                  "which smooths both targets. One-sided smoothing gives real samples the "
                  "target 1 - self.label_smoothing and leaves the generated ones at 0."),
    "smoothing as the target": (lambda r: _bce(SMOOTHING, r),
                                "the real samples get the target self.label_smoothing: they "
                                "should get 1 - self.label_smoothing."),
    "probabilities": (lambda r: _bce_probabilities(_T, r),
                      "your loss on the real samples treats the discriminator's outputs as "
                      "probabilities, but they are logits (unbounded scores): use "
                      "from_logits=True, or write the cross-entropy of logits."),
}
FAKE_TERMS = {
    "right": (lambda f: _bce(0.0, f), ""),
    "target 1": (lambda f: _bce(1.0, f),
                 "your discriminator loss labels the generated samples as real (target 1). "
                 "The discriminator should learn to call them fake: target 0."),
    "smoothed": (lambda f: _bce(_T, f),
                 "your discriminator loss labels the generated samples as real (target "
                 "1 - self.label_smoothing). The discriminator should learn to call them fake: "
                 "target 0."),
    "two-sided": (lambda f: _bce(SMOOTHING / 2, f),
                  "the generated samples' target is not 0; Keras's "
                  "BinaryCrossentropy(label_smoothing=...) does that. One-sided smoothing "
                  "leaves generated samples at target 0."),
    "probabilities": (lambda f: _bce_probabilities(0.0, f),
                      "your loss on the generated samples treats the discriminator's outputs "
                      "as probabilities, but they are logits: use from_logits=True, or write "
                      "the cross-entropy of logits."),
}
FLIPPED = ("your discriminator calls real samples 0 and generated ones 1: the flipped "
           "convention. With the generator aiming for 0 that is the same game, a valid GAN, but "
           "this course (and gan.GAN) calls real samples 1: real samples get the target "
           "1 - self.label_smoothing, generated ones 0, and the generator aims for 1, so that "
           "your losses and logs read like the library's.")
# pairs of terms that are one mistake, not two: real called 0 (or 0.1), generated 1
PAIRS = {("target 0", "target 1"): FLIPPED, ("smoothing as the target", "target 1"): FLIPPED}
HALF = ("your discriminator loss is half of what it should be: it looks like one mean over "
        "real and generated samples together. Add the mean loss on the real batch and the "
        "mean loss on the generated batch.")


def _d_mistakes():
    """(loss(real_logits, fake_logits), diagnosis) for every wrong combination of terms."""
    for (rname, (real_term, rmsg)), (fname, (fake_term, fmsg)) in itertools.product(
            REAL_TERMS.items(), FAKE_TERMS.items()):
        for scale in (1.0, 0.5):
            if rname == fname == "right" and scale == 1.0:
                continue
            messages = ([PAIRS[rname, fname]] if (rname, fname) in PAIRS
                        else [m for m in (rmsg, fmsg) if m]) + [HALF] * (scale != 1.0)
            yield ((lambda r, f, a=real_term, b=fake_term, s=scale: s * (a(r) + b(f))),
                   " Also: ".join(messages))


# generator loss (logits of the generated samples f) -> diagnosis
G_MISTAKES = {
    "saturating": (
        lambda f: -_bce(0.0, f),
        "your generator minimises log(1 - D(G(z))), the saturating form of the minimax game: "
        "its gradient vanishes when the discriminator rejects the samples. Use the "
        "non-saturating loss: the cross-entropy of the generated samples with target 1."),
    "helps the discriminator": (
        lambda f: _bce(0.0, f),
        "your generator loss uses target 0 for its own samples, so the generator helps the "
        "discriminator call them fake. It wants them called real: target 1."),
    "sign error": (
        lambda f: -_bce(1.0, f),
        "your generator loss has the wrong sign: it pushes D(G(z)) towards 0. Minimise "
        "-log D(G(z)), the cross-entropy with target 1, without a minus sign in front."),
    "smoothed generator target": (
        lambda f: _bce(_T, f),
        "your generator's target is 1 - self.label_smoothing. Label smoothing is for the "
        "discriminator's real samples only; the generator's target is 1."),
    "logits as probabilities": (
        lambda f: _bce_probabilities(1.0, f),
        "your generator loss treats the discriminator's outputs as probabilities, but they "
        "are logits: use from_logits=True, or write the cross-entropy of logits."),
}


def _step_error(err, generator, discriminator):
    """A plain diagnosis for the errors a wrong variable list or optimizer produces."""
    text = str(err)
    if "Unknown variable" in text:
        path = re.search(r"path=([^,\s]+)", text)
        # a component of the path, not its start: a name scope left open by earlier code
        # (e.g. a model that raised) prefixes every new variable's path
        parts = path.group(1).split("/") if path else []
        if generator.name in parts:
            return ("d_optimizer was handed the generator's weights. The discriminator step "
                    "updates only self.discriminator.trainable_variables (the generated "
                    "samples are fixed inputs there).")
        if discriminator.name in parts:
            return ("g_optimizer was handed the discriminator's weights. The generator step "
                    "updates only self.generator.trainable_variables: the discriminator must "
                    "not change while the generator learns to fool it.")
    if "SymbolicTensor" in text:
        return ("inside fit, train_step is compiled into a graph whose tensors have no values "
                "yet: use keras.ops or TensorFlow operations only (no .numpy(), float() or "
                "NumPy on tensors). The check stopped at: " + text)
    if "No gradients provided for any variable" in text:
        return ("one of your steps got no gradient for any of its weights: its loss was computed "
                "from tensors made before its tf.GradientTape started. Call the network you "
                "update inside that step's tape; in the generator step, generate the samples "
                "again inside the tape (the ones from the discriminator step are fixed inputs "
                "with no path back to the generator's weights).")
    if "_OptimizerPair" in text:
        return ("self.optimizer holds both optimizers and applies no gradients itself: use "
                "self.d_optimizer for the discriminator and self.g_optimizer for the generator.")
    return text


def _d_loss(real_target):
    """The discriminator's loss with this target for the real samples (logits in)."""
    return lambda r, f: _bce(real_target, r) + _bce(0.0, f)


def _take_step(model, generator, discriminator, rng, number):
    """One student train_step on a fresh batch, with what the check replays it from: the
    batch, both networks' weights before and after, and the noise and fakes it drew."""
    import tensorflow as tf

    real = (rng.normal(size=(BATCH, FEATURES)) + 1.5).astype("float32")
    g0, d0 = _weights(generator), _weights(discriminator)
    del _seen(generator)[:]
    try:
        logs = call_student(model.train_step, tf.constant(real), name="MyGAN.train_step")
    except Incorrect as wrong:
        raise Incorrect(_step_error(wrong, generator, discriminator)) from None
    g1, d1 = _weights(generator), _weights(discriminator)
    noises = list(_seen(generator))
    expect(noises, "the generator was never called in train_step: generate samples from "
           "noise for both steps.")
    for z in noises:
        _noise_ok(z, number)
    generator.set_weights(g0)  # the samples the discriminator step saw
    fakes = [np.array(generator(z)) for z in noises]
    generator.set_weights(g1)
    return SimpleNamespace(real=real, logs=logs, g0=g0, d0=d0, g1=g1, d1=d1, noises=noises,
                           fakes=fakes, d_change=_distance(d0, d1))


def _d_update(discriminator, step, loss, fake):
    """(weights, loss) after one SGD step of the discriminator on ``loss(real, fake)``, from
    its weights before the student's step."""
    return _sgd(discriminator, step.d0, lambda d: loss(d(step.real), d(fake)))


def _d_matches(discriminator, step, loss, fakes=None):
    """Whether one step on ``loss``, for one of the fakes, gives the student's weights."""
    return any(_same_weights(_d_update(discriminator, step, loss, fake)[0], step.d1, step.d_change)
               for fake in (step.fakes if fakes is None else fakes))


def _gan_models(MyGAN):
    import keras

    generator = _network((LATENT, 16, FEATURES), "tanh", seed=1, name="generator")
    discriminator = _network((FEATURES, 16, 1), "tanh", seed=2, name="discriminator")
    try:
        model = MyGAN(generator, discriminator, label_smoothing=SMOOTHING, seed=0)
    except Exception as err:
        raise Incorrect(f"MyGAN(generator, discriminator, label_smoothing=0.1, seed=0) raised "
                        f"{type(err).__name__}: {err}. Keep the constructor of gan.GAN "
                        "(do not define __init__, or pass its arguments on).") from None
    call_student(model.compile, d_optimizer=keras.optimizers.SGD(LEARNING_RATE),
                 g_optimizer=keras.optimizers.SGD(LEARNING_RATE), name="MyGAN.compile")
    model.optimizer.build()  # as fit does: each optimizer knows only its own network
    return model, generator, discriminator


def _noise_ok(z, step):
    expect(z.ndim == 2 and z.shape[1] == LATENT, f"the generator got noise of shape {z.shape}: "
           "draw one vector of self.latent_dim values per sample.")
    expect(z.shape[0] == BATCH, f"in step {step} the real batch has {BATCH} samples but the "
           f"generator got {z.shape[0]} noise vectors: draw as many as the batch has samples "
           "(its size is ops.shape(real)[0]).")
    expect(np.isfinite(z).all() and abs(z.mean()) < 0.3 and 0.7 < z.std() < 1.3,
           f"the noise has mean {z.mean():.2f} and standard deviation {z.std():.2f}: draw it "
           "from a standard normal distribution (keras.random.normal).")


@exercise("The GAN's training step",
          hints=("Two parts, in this order: the discriminator step (real and generated samples, "
                 "gradient only for the discriminator), then the generator step (fresh noise, "
                 "gradient only for the generator). Each needs its own tf.GradientTape.",
                 "The discriminator outputs logits, so the cross-entropy is "
                 "keras.losses.binary_crossentropy(target, logits, from_logits=True), or "
                 "softplus(logit) - target * logit. Real samples get target "
                 "1 - self.label_smoothing, generated ones 0. The non-saturating generator "
                 "loss is the cross-entropy of D(G(z)) with target 1.",
                 "After each tape: grads = tape.gradient(loss, network.trainable_variables) "
                 "and the matching optimizer's apply_gradients(zip(grads, ...)). Then update "
                 "self.d_loss_tracker and self.g_loss_tracker and return "
                 "{m.name: m.result() for m in self.metrics}."))
def check_gan_train_step(MyGAN):
    """MyGAN(gan.GAN).train_step: one discriminator update, then one generator update."""
    from course_lib.gan import GAN

    _require_tensorflow("MyGAN.train_step")
    expect(isinstance(MyGAN, type), "MyGAN should be a class (class MyGAN(gan.GAN): ...), "
           f"not a {type(MyGAN).__name__}." + (" Pass the class itself, not a model built "
                                               "from it." if isinstance(MyGAN, GAN) else ""))
    expect(issubclass(MyGAN, GAN), "MyGAN should extend course_lib.gan.GAN "
           "(class MyGAN(gan.GAN): ...), which gives it the networks, optimizers and trackers.")
    expect(MyGAN.train_step is not GAN.train_step, "MyGAN does not define its own train_step "
           "yet: write the method inside the class.")
    model, generator, discriminator = _gan_models(MyGAN)
    rng = np.random.default_rng(3)
    d_losses, g_losses = [], []
    for number in (1, 2, 3):
        step = _take_step(model, generator, discriminator, rng, number)
        expect(not _same_weights(step.d0, step.d1), "the discriminator's weights did not change: "
               "apply its gradients with self.d_optimizer.")
        # 1. discriminator step: one SGD step from d0 on fakes from g0 and one recorded noise
        d_ref = None
        for fake in step.fakes:
            new, loss = _d_update(discriminator, step, _d_loss(_T), fake)
            if _same_weights(new, step.d1, step.d_change):
                d_ref, d_loss = new, loss
                break
        if d_ref is None:
            for loss_fn, message in _d_mistakes():
                if _d_matches(discriminator, step, loss_fn):
                    raise Incorrect(message)
            later = [np.array(generator(z)) for z in step.noises]  # from the updated generator
            if _d_matches(discriminator, step, _d_loss(_T), later):
                raise Incorrect("your discriminator trains on samples of the generator after "
                                "its update: do the discriminator step first, then the "
                                "generator step.")
            for fake in step.fakes:
                # right discriminator step, then the generator step changed the weights again
                new, _ = _d_update(discriminator, step, _d_loss(_T), fake)
                for fake_g in step.fakes:
                    again, _ = _sgd(discriminator, new, lambda d, f=fake_g: _bce(1.0, d(f)))
                    if _same_weights(again, step.d1, step.d_change):
                        raise Incorrect(
                            "your discriminator step is right, but the generator step also "
                            "changed the discriminator's weights. Take the generator's "
                            "gradients with respect to self.generator.trainable_variables "
                            "only.")
            raise Incorrect("after one step the discriminator's weights are not those of one "
                            "gradient step on its cross-entropy loss (real samples with target "
                            "1 - self.label_smoothing, generated samples with target 0, "
                            "discriminator outputs as logits).")
        # 2. generator step: one SGD step from g0 against the updated discriminator
        expect(not _same_weights(step.g0, step.g1), "the generator's weights did not change: apply its "
               "gradients with self.g_optimizer.")
        discriminator.set_weights(d_ref)

        def g_step(loss, z, d_weights=None):
            if d_weights is not None:
                discriminator.set_weights(d_weights)
            try:
                return _sgd(generator, step.g0, lambda g: loss(discriminator(g(z))))
            finally:
                discriminator.set_weights(step.d1)

        change = _distance(step.g0, step.g1)
        right = None
        for z in step.noises:
            new, loss = g_step(lambda f: _bce(1.0, f), z)
            if _same_weights(new, step.g1, change):
                right, g_loss = new, loss
                break
        if right is None:
            for loss_fn, message in G_MISTAKES.values():
                if any(_same_weights(g_step(loss_fn, z)[0], step.g1, change) for z in step.noises):
                    raise Incorrect(message)
            if any(_same_weights(g_step(lambda f: _bce(1.0, f), z, step.d0)[0], step.g1, change)
                   for z in step.noises):
                raise Incorrect("your generator step uses the discriminator from before its "
                                "update: train the discriminator first, then the generator "
                                "against the updated discriminator.")
            raise Incorrect("after one step the generator's weights are not those of one "
                            "gradient step on the non-saturating loss, the cross-entropy of "
                            "D(G(z)) with target 1, for freshly generated samples.")
        # 3. what the step reports: the running means of the losses (the trackers)
        d_losses.append(d_loss)
        g_losses.append(g_loss)
        logs = step.logs
        expect(isinstance(logs, dict), "train_step should return a dict of metrics "
               f"({{name: value}}), not a {type(logs).__name__}.")
        for key, values in (("d_loss", d_losses), ("g_loss", g_losses)):
            expect(key in logs, f"the dict train_step returns has no '{key}': return "
                   "{m.name: m.result() for m in self.metrics}.")
            reported = answers.number(logs[key], f"logs['{key}']")
            if not np.isclose(reported, np.mean(values), rtol=1e-4, atol=1e-5):
                expect(not np.isclose(reported, values[-1], rtol=1e-4, atol=1e-5),
                       f"'{key}' is this step's loss, not the mean over the steps so far: "
                       f"update self.{key}_tracker and report its result(), so that fit shows "
                       "the epoch's mean.")
                raise Incorrect(f"the '{key}' train_step reports is not the loss of the step "
                                "it made: update the tracker with the loss you differentiated.")
    _smoothing_is_read_from_the_model(model, generator, discriminator, rng)
    # 4. the same step inside fit (compiled as a graph, as it runs in section 3)
    d_steps, g_steps = (int(np.array(o.iterations)) for o in (model.d_optimizer,
                                                               model.g_optimizer))
    data = (rng.normal(size=(2 * BATCH, FEATURES)) + 1.5).astype("float32")
    try:
        history = call_student(model.fit, data, batch_size=BATCH, epochs=1, verbose=0,
                               name="MyGAN.fit")
    except Incorrect as wrong:
        raise Incorrect(_step_error(wrong, generator, discriminator)) from None
    expect(int(np.array(model.d_optimizer.iterations)) == d_steps + 2
           and int(np.array(model.g_optimizer.iterations)) == g_steps + 2,
           "inside fit, each batch should make one discriminator and one generator update.")
    expect(all(np.isfinite(v).all() for v in history.history.values()),
           "inside fit your step reports a loss that is not finite.")
    return ("in three steps with fixed weights and a fixed batch, your discriminator and "
            "generator updates and the losses you report match course_lib.gan.GAN's, and the "
            "step also runs inside fit.")


def _smoothing_is_read_from_the_model(model, generator, discriminator, rng):
    """One more step with another ``label_smoothing``: the real target must follow it (a
    target typed as 0.9 matches every step made with the check's usual 0.1)."""
    model.label_smoothing = OTHER_SMOOTHING
    try:
        step = _take_step(model, generator, discriminator, rng, 4)
    finally:
        model.label_smoothing = SMOOTHING
    if not _d_matches(discriminator, step, _d_loss(1.0 - OTHER_SMOOTHING)):
        expect(not _d_matches(discriminator, step, _d_loss(_T)), f"with label_smoothing="
               f"{OTHER_SMOOTHING:g} your discriminator still gives real samples the target "
               f"{_T:g}: compute the target from self.label_smoothing (1 - self.label_smoothing) "
               "instead of writing the number.")
        raise Incorrect(f"with label_smoothing={OTHER_SMOOTHING:g} your discriminator step no "
                        "longer matches one gradient step on its cross-entropy loss: the real "
                        "samples' target should be 1 - self.label_smoothing, whatever its value.")


# ---------------------------------------------------------------- the gradient penalty
GP_BATCH, GP_FEATURES = 32, 6


def _critic():
    return _network((GP_FEATURES, 16, 1), "tanh", seed=4, name="critic")


def _gp_data():
    rng = np.random.default_rng(5)
    real = rng.normal(size=(GP_BATCH, GP_FEATURES)).astype("float32")
    fake = (rng.normal(size=(GP_BATCH, GP_FEATURES)) * 0.5 + 2.0).astype("float32")
    return real, fake


def _input_grads(critic, x):
    import tensorflow as tf

    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = critic(x)
    return np.array(tape.gradient(scores, x), dtype="float64")


def _penalty_variants(critic, x):
    """What a correct penalty and the usual mistakes give on interpolates x."""
    grads = _input_grads(critic, x)
    norms = np.sqrt((grads ** 2).sum(1))
    batch_norm = np.sqrt((grads ** 2).sum())
    return norms, {
        "squared norm": (np.mean(norms ** 2),
                         "you penalise the squared gradient norm, which pushes the gradients "
                         "towards 0. WGAN-GP penalises the distance of the norm from 1: "
                         "(||g|| - 1)^2."),
        "no square": (np.mean(np.abs(norms - 1)),
                      "you take |‖g‖ - 1| without squaring it: the penalty is (||g|| - 1)^2."),
        "norm only": (np.mean(norms),
                      "you return the mean gradient norm itself; the penalty is the mean of "
                      "(||g|| - 1)^2."),
        "one norm for the batch": (
            (batch_norm - 1) ** 2,
            "you take one norm over the gradients of the whole batch. The penalty needs one "
            "norm per sample (sum the squares over the feature axis only), then the mean of "
            "(norm - 1)^2 over the samples."),
        "mean of norms first": (
            (np.mean(norms) - 1) ** 2,
            "you average the norms before subtracting 1 and squaring; take (norm - 1)^2 per "
            "sample, then the mean."),
        "gradient of the mean score": (
            np.mean((norms / len(x) - 1) ** 2),
            "your gradients are those of the critic's MEAN score, so each sample's gradient "
            "is divided by the batch size. Differentiate the critic's scores themselves (their "
            "sum), so that each sample gets its own full gradient."),
        "weighted": (10 * np.mean((norms - 1) ** 2),
                     "your gradient_penalty already multiplies by the weight (10): return the "
                     "penalty itself; critic_loss multiplies it by gp_weight."),
    }


def _interpolates(seen, real, fake):
    """The critic inputs that are neither the real nor the generated batch."""
    return [x for x in seen if x.shape == real.shape
            and not np.allclose(x, real) and not np.allclose(x, fake)]


def _mixing_weights(x, real, fake):
    """Per-sample alpha with x = real + alpha (fake - real), and the residual of that fit."""
    direction = fake - real
    alpha = ((x - real) * direction).sum(1) / (direction ** 2).sum(1)
    residual = np.abs(x - real - alpha[:, None] * direction).max()
    return alpha, residual


def _check_interpolates(x, real, fake):
    alpha, residual = _mixing_weights(x, real, fake)
    if residual > 1e-4:
        lower, upper = np.minimum(real, fake), np.maximum(real, fake)
        expect(not ((x >= lower - 1e-5) & (x <= upper + 1e-5)).all(),
               "your interpolates mix real and generated values with a different weight for "
               "every value. Each interpolate lies on the straight line between one real and "
               "one generated sample: one random weight per sample, of shape (batch_size, 1).")
        raise Incorrect("the critic was called on points that are not interpolates of the real "
                        "and generated samples: mix each real sample with the generated one in "
                        "the same row.")
    expect(alpha.min() >= -1e-5 and alpha.max() <= 1 + 1e-5, "your mixing weights fall outside "
           "[0, 1]: draw them uniformly between 0 and 1.")
    expect(alpha.std() > 0.05, "every sample is mixed with the same weight: draw one random "
           "weight per sample, of shape (batch_size, 1), not one for the whole batch.")
    return alpha


def _none_gradient(wrong):
    text = str(wrong)
    if "value (None)" in text:
        return ("a gradient came out as None, so the tape did not follow the interpolates to "
                "the critic's scores: call tape.watch on the interpolates (they are not "
                "variables) and compute the scores inside the `with` block. The check stopped "
                "at: " + text)
    return text


def _penalty(gradient_penalty, critic, real, fake):
    import tensorflow as tf

    del _seen(critic)[:]
    with tf.GradientTape() as tape:
        try:
            value = call_student(gradient_penalty, critic, tf.constant(real),
                                 tf.constant(fake), name="gradient_penalty(critic, real, fake)")
        except Incorrect as wrong:
            raise Incorrect(_none_gradient(wrong)) from None
    expect(value is not None, "gradient_penalty returns None: finish it with a return "
           "statement.")
    number = answers.number(value, "gradient_penalty(critic, real, fake)",
                            " (the mean over the batch)")
    grads = tape.gradient(value, critic.trainable_variables) if tf.is_tensor(value) else [None]
    expect(any(g is not None for g in grads), "your penalty carries no gradient to the critic's "
           "weights, so it cannot shape the critic. Keep it a tensor computed with keras.ops "
           "(no NumPy, no .numpy()), and differentiate inside a tf.GradientTape.")
    return number, list(_seen(critic))


@exercise("The gradient penalty of WGAN-GP",
          hints=("Three steps: build random points between each real and generated sample, "
                 "take the gradient of the critic's score with respect to those points, and "
                 "penalise how far each point's gradient norm is from 1.",
                 "The mixing weights have shape (batch_size, 1), so that each one multiplies a "
                 "whole row. The interpolates are not variables: tape.watch them inside the "
                 "tape, before calling the critic; tape.gradient(scores, interpolates) then "
                 "gives one gradient row per sample.",
                 "The norm of each row: ops.sqrt(ops.sum(ops.square(grads), axis=1)); the "
                 "penalty is the mean of the squared distance of those norms from 1. "
                 "critic_loss is E[D(fake)] - E[D(real)] + gp_weight * penalty."),
          answers=2)
def check_gradient_penalty(gradient_penalty, critic_loss):
    """gradient_penalty(critic, real, fake) and critic_loss(critic, real, fake, gp_weight)."""
    _require_tensorflow("gradient_penalty")
    expect(callable(gradient_penalty), "gradient_penalty should be a function, not a "
           f"{type(gradient_penalty).__name__}.")
    expect(callable(critic_loss), "critic_loss should be a function, not a "
           f"{type(critic_loss).__name__}.")
    critic = _critic()
    real, fake = _gp_data()
    # 1. the penalty
    value, seen = _penalty(gradient_penalty, critic, real, fake)
    expect(seen, "gradient_penalty never called the critic: the penalty is about the critic's "
           "gradient.")
    mixed = _interpolates(seen, real, fake)
    for name, x in (("real", real), ("generated", fake)):
        if not mixed and any(np.allclose(s, x) for s in seen if s.shape == x.shape):
            norms = np.sqrt((_input_grads(critic, x) ** 2).sum(1))
            if np.isclose(value, np.mean((norms - 1) ** 2), rtol=1e-3, atol=1e-6):
                raise Incorrect(f"you penalise the critic's gradient at the {name} samples. "
                                "WGAN-GP penalises it at random points between real and "
                                "generated samples, where the critic's slope matters.")
    expect(mixed, "the critic was never called on points between the real and generated "
           "samples: build the interpolates and differentiate the critic there.")
    alpha = _check_interpolates(mixed[-1], real, fake)
    norms, mistakes = _penalty_variants(critic, mixed[-1])
    right = float(np.mean((norms - 1) ** 2))
    if not np.isclose(value, right, rtol=1e-3, atol=1e-6):
        for expected, message in mistakes.values():
            if np.isclose(value, expected, rtol=1e-3, atol=1e-6):
                raise Incorrect(message)
        raise Incorrect("on your interpolates the penalty should be the mean over the samples "
                        "of (||gradient of the critic's score|| - 1)^2; yours is a different "
                        "number.")
    value2, seen2 = _penalty(gradient_penalty, critic, real, fake)
    mixed2 = _interpolates(seen2, real, fake)
    expect(mixed2 and not np.allclose(_mixing_weights(mixed2[-1], real, fake)[0], alpha),
           "your interpolation weights are the same on every call (a fixed integer seed "
           "does that): draw fresh ones each time, e.g. keras.random.uniform without a seed "
           "or with a keras.random.SeedGenerator.")
    # 2. the critic's loss: the Wasserstein part, plus the weighted penalty
    import tensorflow as tf

    scores_real, scores_fake = (float(np.mean(np.array(critic(x)))) for x in (real, fake))
    for weight in (10.0, 5.0):
        del _seen(critic)[:]
        try:
            loss = call_student(critic_loss, critic, tf.constant(real), tf.constant(fake),
                                weight, name=f"critic_loss(critic, real, fake, {weight:g})")
        except Incorrect as wrong:
            raise Incorrect(_none_gradient(wrong)) from None
        expect(loss is not None, "critic_loss returns None: finish it with a return statement.")
        loss = answers.number(loss, "critic_loss(...)", " (the mean over the batch)")
        mixed = _interpolates(_seen(critic), real, fake)
        expect(mixed, "critic_loss never evaluates the critic between real and generated "
               "samples: add the gradient penalty (call your gradient_penalty).")
        penalties = [np.mean((_penalty_variants(critic, x)[0] - 1) ** 2) for x in mixed]
        gap = scores_fake - scores_real

        def matches(target):
            return any(np.isclose(loss, target(p), rtol=1e-3, atol=1e-5) for p in penalties)

        if matches(lambda p: gap + weight * p):
            continue
        expect(not matches(lambda p: gap + p), "your critic_loss adds the penalty without its "
               "weight: multiply it by gp_weight.")
        expect(not matches(lambda p: gap + 10.0 * p), "your critic_loss always weights the "
               "penalty by 10: use the gp_weight argument.")
        expect(not matches(lambda p: -gap + weight * p), "the Wasserstein part of your "
               "critic_loss has the wrong sign: the critic minimises E[D(fake)] - E[D(real)] "
               "(it wants high scores for real samples).")
        expect(not np.isclose(loss, gap, rtol=1e-3, atol=1e-5), "your critic_loss has no "
               "penalty term: add gp_weight times the gradient penalty.")
        raise Incorrect("critic_loss should be E[D(fake)] - E[D(real)] + gp_weight * penalty; "
                        "yours gives a different number.")
    return ("your penalty matches course_lib.gan.WGANGP.gradient_penalty on the same "
            "interpolates, and your critic loss adds it with its weight.")


# ---------------------------------------------------------------- label smoothing
@exercise("One-sided label smoothing",
          hints=("Build it exactly as plain_gan in section 3, with one more argument of "
                 "gan.GAN, then compile and fit as there.",
                 "gan.GAN(..., label_smoothing=0.1); after fit, evaluation.mode_coverage takes "
                 "generated digits and the digit classifier."),
          answers=2)
def check_label_smoothing(smooth_gan, smooth_coverage, collapsed_covered=None):
    """A plain-generator GAN trained with label smoothing, and its measured mode coverage."""
    import keras

    from course_lib.evaluation import ModeCoverage
    from course_lib.gan import GAN

    expect(isinstance(smooth_gan, GAN), "smooth_gan should be a course_lib.gan.GAN, not a "
           f"{type(smooth_gan).__name__}.")
    smoothing = float(getattr(smooth_gan, "label_smoothing", 0.0))
    expect(smoothing > 0, "smooth_gan's label_smoothing is 0: this exercise is about training "
           "with label smoothing.")
    expect(smoothing <= 0.3, f"label_smoothing={smoothing:g} is very strong; real samples "
           "would be labelled below 0.7. Use 0.1.")
    optimizer = getattr(smooth_gan, "g_optimizer", None)
    expect(optimizer is not None, "smooth_gan has no optimizers yet: compile it, then fit it.")
    expect(int(np.asarray(optimizer.iterations)) > 0, "smooth_gan has not been trained yet: "
           "fit it.")
    expect(not any(isinstance(layer, keras.layers.BatchNormalization)
                   for layer in smooth_gan.generator.layers),
           "keep the plain generator (no batch normalisation), so that the comparison with "
           "the collapsed run changes one thing only.")
    expect(isinstance(smooth_coverage, ModeCoverage),
           "smooth_coverage should be what evaluation.mode_coverage returns, not a "
           f"{type(smooth_coverage).__name__}.")
    expect(smooth_coverage.counts.sum() >= 500, "measure coverage on at least 500 generated "
           "digits.")
    message = (f"with label smoothing {smoothing:g}, {smooth_coverage.covered} of 10 digits "
               f"appear (effective number {smooth_coverage.effective:.1f})")
    if isinstance(collapsed_covered, numbers.Real):
        if smooth_coverage.covered > collapsed_covered:
            message += f", against {int(collapsed_covered)} without it: it helps a little"
        else:
            message += f", against {int(collapsed_covered)} without it: no cure here"
    return message + ". Smoothing tempers an over-confident discriminator; it does not " \
                     "by itself stop the generator from collapsing."


# ---------------------------------------------------------------- a deeper generator
@exercise("A deeper generator",
          hints=("gan.build_generator has arguments for the sizes of the hidden layers and "
                 "for batch normalisation.",
                 "hidden=(128, 256, 512), batchnorm=True; noise and output sizes as in "
                 "section 3."))
def check_deeper_generator(deeper_generator):
    """Generator with hidden layers 128-256-512, batch normalisation, sigmoid pixels."""
    import keras

    answers.model(deeper_generator, "deeper_generator")
    inputs, outputs = deeper_generator.input_shape, deeper_generator.output_shape
    expect(tuple(inputs) == (None, 64), f"the generator should take 64 noise values, not "
           f"{inputs}.")
    expect(tuple(outputs) == (None, 784), f"the generator should output 784 pixels, not "
           f"{outputs}.")
    dense = [layer for layer in deeper_generator.layers if isinstance(layer, keras.layers.Dense)]
    units = [layer.units for layer in dense[:-1]]
    expect(units == [128, 256, 512], f"hidden Dense layers should have 128, 256, 512 units; "
           f"yours have {units}.")
    expect(any(isinstance(layer, keras.layers.BatchNormalization)
               for layer in deeper_generator.layers), "add batch normalisation.")
    out = np.asarray(call_student(deeper_generator, np.random.default_rng(0).standard_normal(
        (8, 64)).astype("float32"), training=False, name="deeper_generator(noise)"))
    expect(out.min() >= 0 and out.max() <= 1, "pixels should lie in [0, 1]: keep the sigmoid "
           "output.")
    n = call_student(deeper_generator.count_params, name="deeper_generator.count_params()")
    return (f"{n:,} weights. A third hidden layer adds capacity; whether it helps has to be "
            "measured with the same coverage and AUC tests, on the same training budget.")


# ---------------------------------------------------------------- telltale genes
_RANKINGS = {}  # a student's second try on the same cells does not refit the forest


def forest_importances(real, generated, seed=0):
    """A random forest's importance of each gene for telling real (1) from generated (0)."""
    import hashlib

    from sklearn.ensemble import RandomForestClassifier

    real, generated = np.ascontiguousarray(real), np.ascontiguousarray(generated)
    key = (hashlib.sha1(real.tobytes() + generated.tobytes()).hexdigest(), real.shape, seed)
    if key in _RANKINGS:
        return _RANKINGS[key]
    forest = RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=-1)
    forest.fit(np.vstack([real, generated]), np.r_[np.ones(len(real)), np.zeros(len(generated))])
    _RANKINGS.clear()
    _RANKINGS[key] = forest.feature_importances_
    return _RANKINGS[key]


def allowed_rank(n_genes):
    """A pick counts as telltale when it is among this many of the refitted forest's top genes
    (forests with other seeds reorder close importances, never the telltale genes)."""
    return max(10, int(np.ceil(0.03 * n_genes)))


@exercise("Genes that give the generator away",
          hints=("Train a random forest to tell held-out real cells (label 1) from generated "
                 "ones (label 0) on all genes; after fit, it knows how much each gene helped.",
                 "The forest's feature_importances_ has one number per gene; np.argsort sorts "
                 "it (ascending), and gene i's name is genes[i]."))
def check_telltale_genes(telltale_genes, real=None, generated=None, gene_names=None):
    """Five gene names the forest relies on most to tell generated from real cells: each must
    rank among the top genes of a forest the check fits itself."""
    expect(isinstance(telltale_genes, (list, tuple, np.ndarray)),
           f"telltale_genes should be a list of gene names, not a {type(telltale_genes).__name__}.")
    genes = [g for g in np.ravel(np.asarray(telltale_genes, dtype=object))]
    expect(all(isinstance(g, str) for g in genes), "telltale_genes should hold gene names "
           "(strings); take genes[i], not the index i.")
    expect(len(genes) == 5, f"give exactly 5 gene names, not {len(genes)}.")
    expect(len(set(genes)) == 5, "the 5 genes should be different.")
    names = [str(g) for g in gene_names]
    real, generated = np.asarray(real, dtype="float64"), np.asarray(generated, dtype="float64")
    unknown = [g for g in genes if g not in names]
    expect(not unknown, f"not among the modelled genes: {unknown}.")
    importance = forest_importances(real, generated)
    ranking = np.argsort(-importance, kind="stable")
    rank = {names[i]: r + 1 for r, i in enumerate(ranking)}
    limit = allowed_rank(len(names))
    low = [g for g in genes if rank[g] > limit]
    if low:
        picked = importance[[names.index(g) for g in genes]]
        expect(not np.all(picked <= np.median(importance)), "these genes help the forest less "
               "than a typical gene does: take the LARGEST importances (np.argsort sorts from "
               "the smallest up).")
        raise Incorrect(f"{', '.join(low)} {'is' if len(low) == 1 else 'are'} not among the "
                        "genes the forest relies on most: a forest refitted by this check ranks "
                        + ", ".join(f"{g} {rank[g]}" for g in low) + f" of {len(names)}.")
    return (f"{', '.join(genes)}: all among the top {limit} genes of a forest refitted by the "
            "check. Look at their rows in the table of means and zero fractions to see what the "
            "generator gets wrong.")
