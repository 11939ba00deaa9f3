"""Exercise checks of notebook 05 (GANs): solutions pass, realistic mistakes get their own
diagnosis, odd answers never crash a check."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import course_lib  # noqa: F401  (sets the backend environment before Keras loads)
from course_lib import evaluation, gan
from course_lib.exercises import CHECK_FAILED, CORRECT, NOT_ANSWERED, NOT_YET
from course_lib.exercises import gans as gan_ex

# ---------------------------------------------------------------- the solutions, as in the notebook
GAN_SOLUTION = '''
class MyGAN(gan.GAN):
    def train_step(self, real):
        batch_size = ops.shape(real)[0]
        # 1. discriminator step: real samples against generated ones, which are fixed here
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(z, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = (ops.mean(keras.losses.binary_crossentropy(
                          ops.ones_like(real_logits) * (1.0 - self.label_smoothing),
                          real_logits, from_logits=True))
                      + ops.mean(keras.losses.binary_crossentropy(
                          ops.zeros_like(fake_logits), fake_logits, from_logits=True)))
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
        # 2. generator step: fresh noise, non-saturating loss (target 1 for its samples)
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = ops.mean(keras.losses.binary_crossentropy(
                ops.ones_like(fake_logits), fake_logits, from_logits=True))
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}
'''

GP_SOLUTION = '''
def gradient_penalty(critic, real, fake):
    # one random mixing weight per sample, fresh on every call
    alpha = keras.random.uniform((ops.shape(real)[0], 1))
    mixed = real + alpha * (fake - real)
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        scores = critic(mixed, training=True)
    grads = tape.gradient(scores, mixed)
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=1))
    return ops.mean(ops.square(norms - 1.0))


def critic_loss(critic, real, fake, gp_weight):
    w_distance = ops.mean(critic(real, training=True)) - ops.mean(critic(fake, training=True))
    return -w_distance + gp_weight * gradient_penalty(critic, real, fake)
'''


def _run(source, *names):
    namespace = {"gan": gan, "keras": keras, "ops": ops, "tf": tf, "np": np}
    exec(compile(source, "<student cell>", "exec"), namespace)
    return [namespace[name] for name in names]


def gan_variant(old="", new=""):
    """The solution with one realistic change, as a student might write it."""
    assert old in GAN_SOLUTION, old
    return _run(GAN_SOLUTION.replace(old, new), "MyGAN")[0]


def gp_variant(old="", new=""):
    assert old in GP_SOLUTION, old
    return _run(GP_SOLUTION.replace(old, new), "gradient_penalty", "critic_loss")


# ---------------------------------------------------------------- the GAN's training step
def test_gan_step_solution_is_correct():
    feedback = gan_ex.check_gan_train_step(gan_variant())
    assert feedback.status == CORRECT, feedback.message


def test_gan_step_solution_trains_exactly_like_the_library():
    """The notebook's solution and gan.GAN.train_step: same weights after the same fit."""
    def fit(model_class):
        keras.utils.set_random_seed(0)
        model = model_class(gan.build_generator(4, 3, hidden=(8,), output_activation=None),
                            gan.build_discriminator(3, hidden=(8,), dropout=0),
                            label_smoothing=0.1, seed=0)
        model.compile()
        data = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
        history = model.fit(data, batch_size=16, epochs=2, verbose=0, shuffle=False)
        return model, history.history

    mine, my_history = fit(gan_variant())
    library, library_history = fit(gan.GAN)
    for a, b in zip(mine.get_weights(), library.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    for key in ("d_loss", "g_loss"):
        np.testing.assert_allclose(my_history[key], library_history[key], rtol=1e-4)


GAN_MISTAKES = {
    "fakes labelled real": (("ops.zeros_like(fake_logits), fake_logits",
                             "ops.ones_like(fake_logits), fake_logits"),
                            "labels the generated samples as real"),
    "smoothing ignored": (("* (1.0 - self.label_smoothing)", ""), "label_smoothing is ignored"),
    "generator step reuses the fakes made outside its tape": ((
        "fake_logits = self.discriminator(self.generator(z, training=True), training=True)",
        "fake_logits = self.discriminator(fake, training=True)"),
        "generate the samples again inside the tape"),
    "smoothing typed as a number": (("* (1.0 - self.label_smoothing)", "* 0.9"),
                                    "compute the target from self.label_smoothing"),
    "saturating generator loss": ((
        "g_loss = ops.mean(keras.losses.binary_crossentropy(\n                ops.ones_like",
        "g_loss = -ops.mean(keras.losses.binary_crossentropy(\n                ops.zeros_like"),
        "saturating"),
    "generator target 0": ((
        "g_loss = ops.mean(keras.losses.binary_crossentropy(\n                ops.ones_like",
        "g_loss = ops.mean(keras.losses.binary_crossentropy(\n                ops.zeros_like"),
        "target 0 for its own samples"),
    "generator sign error": (("g_loss = ops.mean(", "g_loss = -ops.mean("), "wrong sign"),
    "smoothed generator target": ((
        "ops.ones_like(fake_logits), fake_logits, from_logits=True))\n        g_vars",
        "ops.ones_like(fake_logits) * 0.9, fake_logits, from_logits=True))\n        g_vars"),
        "for the discriminator's real samples only"),
    "generator step updates every weight": ((
        "g_vars = self.generator.trainable_variables", "g_vars = self.trainable_variables"),
        "g_optimizer was handed the discriminator's weights"),
    "logits taken as probabilities": (("real_logits, from_logits=True", "real_logits"),
                                      "treats the discriminator's outputs as probabilities"),
    "smoothing as the real target": ((
        "ops.ones_like(real_logits) * (1.0 - self.label_smoothing)",
        "ops.ones_like(real_logits) * self.label_smoothing"),
        "the real samples get the target self.label_smoothing"),
    "one mean over both batches": (("d_loss = (ops.mean(", "d_loss = 0.5 * (ops.mean("),
                                   "half of what it should be"),
    "one optimizer for both": (("self.d_optimizer.apply_gradients",
                                "self.optimizer.apply_gradients"), "self.d_optimizer"),
    "no trackers": (("return {m.name: m.result() for m in self.metrics}",
                     "return {'d_loss': d_loss, 'g_loss': g_loss}"),
                    "not the mean over the steps"),
    "nothing returned": (("return {m.name: m.result() for m in self.metrics}", "pass"),
                         "should return a dict"),
    "uniform noise": (("z = keras.random.normal((batch_size",
                       "z = keras.random.uniform((batch_size"), "standard normal"),
    "fixed noise batch": (("z = keras.random.normal((batch_size", "z = keras.random.normal((64"),
                          "as many as the batch has samples"),
    "NumPy inside the step": (("self.d_loss_tracker.update_state(d_loss)",
                               "self.d_loss_tracker.update_state(float(d_loss.numpy()))"),
                              "compiled into a graph"),
    "discriminator never updated": ((
        "self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))", "pass"),
        "discriminator's weights did not change"),
    "generator never updated": ((
        "self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))", "pass"),
        "generator's weights did not change"),
}


@pytest.mark.parametrize("name", list(GAN_MISTAKES))
def test_gan_step_mistakes_get_their_own_diagnosis(name):
    (old, new), words = GAN_MISTAKES[name]
    feedback = gan_ex.check_gan_train_step(gan_variant(old, new))
    assert feedback.status == NOT_YET, (name, feedback.status, feedback.message)
    assert words in feedback.message, (name, feedback.message)
    assert feedback.hints  # hints on request


def test_the_flipped_convention_is_explained_as_a_convention():
    """Real 0 (smoothed: 0.1), generated 1, generator aiming for 0: the same game."""
    source = GAN_SOLUTION
    for old, new in (("ops.ones_like(real_logits) * (1.0 - self.label_smoothing)",
                      "ops.ones_like(real_logits) * self.label_smoothing"),
                     ("ops.zeros_like(fake_logits), fake_logits, from_logits=True)))",
                      "ops.ones_like(fake_logits), fake_logits, from_logits=True)))"),
                     ("ops.ones_like(fake_logits), fake_logits, from_logits=True))\n        g_vars",
                      "ops.zeros_like(fake_logits), fake_logits, from_logits=True))\n        g_vars")):
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    feedback = gan_ex.check_gan_train_step(_run(source, "MyGAN")[0])
    assert feedback.status == NOT_YET and "flipped convention" in feedback.message
    assert "valid GAN" in feedback.message


def test_fakes_generated_inside_the_discriminator_tape_are_still_right():
    # With the gradient taken for the discriminator's weights only, generating inside the
    # tape changes nothing: the generated samples are detached by construction.
    inside = gan_variant(
        "fake = self.generator(z, training=True)\n        with tf.GradientTape() as tape:",
        "with tf.GradientTape() as tape:\n            fake = self.generator(z, training=True)")
    assert gan_ex.check_gan_train_step(inside).status == CORRECT
    wrong = gan_variant("d_vars = self.discriminator.trainable_variables",
                        "d_vars = self.trainable_variables")
    feedback = gan_ex.check_gan_train_step(wrong)
    assert feedback.status == NOT_YET and "d_optimizer was handed the generator's" in \
        feedback.message


def test_generator_step_before_the_discriminator_step():
    source = GAN_SOLUTION
    d_start, g_start = source.index("        # 1. discriminator"), source.index("        # 2. gen")
    g_end = source.index("        self.d_loss_tracker")
    d_part, g_part = source[d_start:g_start], source[g_start:g_end]
    swapped = _run(source.replace(d_part + g_part, g_part + d_part), "MyGAN")[0]
    feedback = gan_ex.check_gan_train_step(swapped)
    assert feedback.status == NOT_YET and "discriminator step first" in feedback.message


def test_generator_step_that_also_moves_the_discriminator():
    extra = ("        d_grads = tape.gradient(g_loss, d_vars)\n"
             "        self.d_optimizer.apply_gradients(zip(d_grads, d_vars))\n")
    source = GAN_SOLUTION.replace(
        "with tf.GradientTape() as tape:\n            fake_logits = self.discriminator(self.gen",
        "with tf.GradientTape(persistent=True) as tape:\n            fake_logits = self.discrim"
        "inator(self.gen").replace("        self.d_loss_tracker",
                                   extra + "        self.d_loss_tracker")
    wrong = _run(source, "MyGAN")[0]
    feedback = gan_ex.check_gan_train_step(wrong)
    assert feedback.status == NOT_YET and "also changed the discriminator" in feedback.message


class NoStep(gan.GAN):
    pass


@pytest.mark.parametrize("answer, words", [
    (42, "should be a class"), ("MyGAN", "should be a class"), (dict, "should extend"),
    (NoStep, "does not define its own train_step"),
    (keras.Model, "should extend"),
])
def test_gan_step_wrong_types(answer, words):
    feedback = gan_ex.check_gan_train_step(answer)
    assert feedback.status == NOT_YET and words in feedback.message, feedback.message


def test_gan_step_given_a_model_instead_of_the_class():
    model = gan_variant()(gan.build_generator(2, 2, hidden=(4,)), gan.build_discriminator(2))
    feedback = gan_ex.check_gan_train_step(model)
    assert feedback.status == NOT_YET and "class itself" in feedback.message


def test_gan_step_with_a_crashing_or_looping_step():
    crashing = gan_variant("batch_size = ops.shape(real)[0]", "batch_size = real.size()")
    assert gan_ex.check_gan_train_step(crashing).status == NOT_YET
    bad_init = _run("class MyGAN(gan.GAN):\n    def __init__(self):\n        super().__init__()\n"
                    "    def train_step(self, real):\n        return {}\n", "MyGAN")[0]
    feedback = gan_ex.check_gan_train_step(bad_init)
    assert feedback.status == NOT_YET and "constructor" in feedback.message


# ---------------------------------------------------------------- the gradient penalty
def test_gradient_penalty_solution_is_correct():
    feedback = gan_ex.check_gradient_penalty(*gp_variant())
    assert feedback.status == CORRECT, feedback.message


def test_the_checks_penalty_is_the_librarys():
    """The check's reference and gan.WGANGP.gradient_penalty agree on the same interpolates."""
    critic = gan_ex._critic()
    real, fake = gan_ex._gp_data()
    model = gan.WGANGP(gan.build_generator(2, real.shape[1]), critic, seed=3)
    library = float(model.gradient_penalty(ops.convert_to_tensor(real),
                                           ops.convert_to_tensor(fake)))
    alpha = np.asarray(keras.random.uniform((len(real), 1), seed=keras.random.SeedGenerator(3)))
    norms, _ = gan_ex._penalty_variants(critic, real + alpha * (fake - real))
    assert library == pytest.approx(np.mean((norms - 1) ** 2), rel=1e-4)


GP_MISTAKES = {
    "penalty on the real samples": (("mixed = real + alpha * (fake - real)", "mixed = real"),
                                    "at the real samples"),
    "penalty on the generated samples": (("mixed = real + alpha * (fake - real)",
                                          "mixed = fake + 0 * alpha"), "at the generated samples"),
    "squared norm": (("ops.square(norms - 1.0)", "ops.square(norms)"), "squared gradient norm"),
    "penalty without lambda": (("gp_weight * gradient_penalty", "gradient_penalty"),
                               "without its weight"),
    "lambda fixed at 10": (("gp_weight * gradient_penalty", "10.0 * gradient_penalty"),
                           "use the gp_weight argument"),
    "one norm for the whole batch": (("ops.sum(ops.square(grads), axis=1)",
                                      "ops.sum(ops.square(grads))"), "one norm per sample"),
    "a weight per value": (("(ops.shape(real)[0], 1)", "ops.shape(real)"),
                           "different weight for every value"),
    "one weight for the batch": (("(ops.shape(real)[0], 1)", "(1, 1)"), "the same weight"),
    "fixed seed": (("(ops.shape(real)[0], 1))", "(ops.shape(real)[0], 1), seed=0)"),
                   "same on every call"),
    "gradient of the mean score": (("scores = critic(mixed, training=True)",
                                    "scores = ops.mean(critic(mixed, training=True))"),
                                   "MEAN score"),
    "NumPy penalty": (("return ops.mean(ops.square(norms - 1.0))",
                       "return float(np.mean((np.array(norms) - 1) ** 2))"), "no gradient"),
    "Wasserstein sign": (("return -w_distance", "return w_distance"), "wrong sign"),
    "no penalty in the loss": ((
        "return -w_distance + gp_weight * gradient_penalty(critic, real, fake)",
        "return -w_distance"), "add the gradient penalty"),
    "per-sample penalties": (("return ops.mean(ops.square(norms - 1.0))",
                              "return ops.square(norms - 1.0)"), "one number"),
    "interpolates not watched": (("tape.watch(mixed)\n", ""), "tape.watch"),
    "mean norm first": (("return ops.mean(ops.square(norms - 1.0))",
                         "return ops.square(ops.mean(norms) - 1.0)"), "average the norms"),
    "no square": (("return ops.mean(ops.square(norms - 1.0))",
                   "return ops.mean(ops.abs(norms - 1.0))"), "without squaring"),
    "weighted inside the penalty": (("return ops.mean(ops.square(norms - 1.0))",
                                     "return 10.0 * ops.mean(ops.square(norms - 1.0))"),
                                    "already multiplies by the weight"),
    "returns None": (("return ops.mean(ops.square(norms - 1.0))", "pass"), "returns None"),
}


@pytest.mark.parametrize("name", list(GP_MISTAKES))
def test_gradient_penalty_mistakes_get_their_own_diagnosis(name):
    (old, new), words = GP_MISTAKES[name]
    feedback = gan_ex.check_gradient_penalty(*gp_variant(old, new))
    assert feedback.status == NOT_YET, (name, feedback.status, feedback.message)
    assert words in feedback.message, (name, feedback.message)


def test_gradient_penalty_partly_answered_and_wrong_types():
    penalty, loss = gp_variant()
    assert gan_ex.check_gradient_penalty(None, None).status == NOT_ANSWERED
    partly = gan_ex.check_gradient_penalty(penalty, None)
    assert partly.status == NOT_YET and "`critic_loss`" in partly.message
    for answer in (3, "x", [penalty], np.zeros(3)):
        feedback = gan_ex.check_gradient_penalty(answer, loss)
        assert feedback.status == NOT_YET and "should be a function" in feedback.message
    nan = gan_ex.check_gradient_penalty(lambda critic, real, fake: ops.convert_to_tensor(np.nan),
                                        loss)
    assert nan.status == NOT_YET and "finite" in nan.message
    never = gan_ex.check_gradient_penalty(lambda critic, real, fake: ops.convert_to_tensor(0.5),
                                          loss)
    assert never.status == NOT_YET


# ---------------------------------------------------------------- label smoothing, deeper generator
RNG = np.random.default_rng(0)


class OneHotClassifier:
    """Stands in for the digit classifier: class = first pixel."""

    def predict(self, x, batch_size=None, verbose=0):
        return np.eye(10)[np.asarray(x)[:, 0].astype(int) % 10]


def small_gan(label_smoothing=0.1, batchnorm=False, train=True, compile=True):
    keras.utils.set_random_seed(0)
    model = gan.GAN(gan.build_generator(8, 784, hidden=(16,), batchnorm=batchnorm),
                    gan.build_discriminator(784, hidden=(16,)),
                    label_smoothing=label_smoothing, seed=0)
    if compile:
        model.compile()
    if train:
        model.fit(RNG.random((64, 784)).astype("float32"), batch_size=32, epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module")
def trained_smooth_gan():
    return small_gan()


def coverage(n=1000, classes=1):
    samples = (np.arange(n) % classes)[:, None] * np.ones((1, 784))
    return evaluation.mode_coverage(samples, OneHotClassifier())


def test_label_smoothing_accepts_a_trained_smoothed_gan(trained_smooth_gan):
    feedback = gan_ex.check_label_smoothing(trained_smooth_gan, coverage(classes=3),
                                            collapsed_covered=1)
    assert feedback.status == CORRECT, feedback.message
    assert "3 of 10" in feedback.message and "helps a little" in feedback.message
    feedback = gan_ex.check_label_smoothing(trained_smooth_gan, coverage(classes=1),
                                            collapsed_covered=1)
    assert feedback.status == CORRECT and "no cure" in feedback.message


def test_label_smoothing_explains_what_is_missing(trained_smooth_gan):
    cases = [
        ((small_gan(label_smoothing=0.0, train=False), coverage()), "label_smoothing is 0"),
        ((small_gan(label_smoothing=0.5, train=False), coverage()), "very strong"),
        ((small_gan(train=False), coverage()), "not been trained"),
        ((small_gan(train=False, compile=False), coverage()), "compile it"),
        ((small_gan(batchnorm=True), coverage()), "plain generator"),
        ((trained_smooth_gan, 3), "what evaluation.mode_coverage returns"),
        ((trained_smooth_gan, coverage(n=100)), "at least 500"),
        ((trained_smooth_gan, None), "`smooth_coverage`"),
        ((None, coverage()), "`smooth_gan`"),
    ]
    for args, words in cases:
        feedback = gan_ex.check_label_smoothing(*args)
        assert feedback.status == NOT_YET and words in feedback.message, (words, feedback.message)
    assert gan_ex.check_label_smoothing(None, None).status == NOT_ANSWERED


def test_deeper_generator():
    good = gan.build_generator(64, 784, hidden=(128, 256, 512), batchnorm=True)
    feedback = gan_ex.check_deeper_generator(good)
    assert feedback.status == CORRECT and f"{good.count_params():,}" in feedback.message
    cases = [
        (gan.build_generator(64, 784, hidden=(128, 256, 512)), "batch normalisation"),
        (gan.build_generator(64, 784, hidden=(128, 256), batchnorm=True), "128, 256, 512"),
        (gan.build_generator(64, 784, hidden=(128, 256, 512), batchnorm=True,
                             output_activation="linear"), "[0, 1]"),
        (gan.build_generator(32, 784, hidden=(128, 256, 512), batchnorm=True), "64 noise"),
        (keras.Sequential([keras.layers.Dense(784)]), "not built yet"),
        (gan.build_generator, "Keras model"),
    ]
    for answer, words in cases:
        feedback = gan_ex.check_deeper_generator(answer)
        assert feedback.status == NOT_YET and words in feedback.message, (words, feedback.message)
    assert gan_ex.check_deeper_generator(None).status == NOT_ANSWERED


# ---------------------------------------------------------------- telltale genes
N_GENES = 200
GENES = np.array([f"g{i}" for i in range(N_GENES)])
TELLTALE = [3, 41, 77, 120, 199]


@pytest.fixture(scope="module")
def cells():
    rng = np.random.default_rng(1)
    real = np.log1p(rng.poisson(1.0, (300, N_GENES))).astype("float32")
    generated = np.log1p(rng.poisson(1.0, (300, N_GENES))).astype("float32")
    generated[:, TELLTALE] = np.log1p(rng.poisson(3.0, (300, len(TELLTALE))))  # too high
    return real, generated


def solution_genes(real, generated, seed=0):
    from sklearn.ensemble import RandomForestClassifier

    forest = RandomForestClassifier(n_estimators=100, random_state=seed)
    forest.fit(np.vstack([real, generated]), np.r_[np.ones(len(real)), np.zeros(len(generated))])
    return forest, list(GENES[np.argsort(forest.feature_importances_)[::-1][:5]])


def test_telltale_genes_solution_and_other_forest_seeds(cells):
    for seed in (0, 1, 2):
        _, picks = solution_genes(*cells, seed=seed)
        feedback = gan_ex.check_telltale_genes(picks, *cells, GENES)
        assert feedback.status == CORRECT, (seed, feedback.message)
    assert gan_ex.check_telltale_genes(GENES[TELLTALE[::-1]], *cells, GENES).status == CORRECT


def test_random_gene_picks_are_rejected(cells):
    rng = np.random.default_rng(0)
    accepted = sum(gan_ex.check_telltale_genes(list(rng.choice(GENES, 5, replace=False)),
                                               *cells, GENES).status == CORRECT
                   for _ in range(300))
    assert accepted == 0


def test_telltale_genes_mistakes(cells):
    forest, _ = solution_genes(*cells)
    order = np.argsort(forest.feature_importances_)
    cases = [
        (list(GENES[order[:5]]), "LARGEST"),  # ascending order kept
        (list(order[::-1][:5]), "not the index"),
        (list(GENES[TELLTALE[:4]]) + ["g0"], "not among the genes the forest relies on most"),
        (["g3"], "exactly 5"), (["g3"] * 5, "different"), (["CD14", "g3", "g41", "g77", "g1"],
                                                           "not among the modelled genes"),
        ("g3 g41 g77 g120 g199", "list of gene names"), (3, "list of gene names"),
        ({"a": "b"}, "list of gene names"), ([None, "g3", "g41", "g77", "g120"], "strings"),
    ]
    for answer, words in cases:
        feedback = gan_ex.check_telltale_genes(answer, *cells, GENES)
        assert feedback.status == NOT_YET and words in feedback.message, (words, feedback.message)
    assert gan_ex.check_telltale_genes(None, *cells, GENES).status == NOT_ANSWERED
    wrong_pick = gan_ex.check_telltale_genes(["g3", "g41", "g77", "g120", "g0"], *cells, GENES)
    assert "g0" in wrong_pick.message and "g3" not in wrong_pick.message  # no answer leaked


# ---------------------------------------------------------------- none of them crash
CHECKS = [
    (gan_ex.check_gan_train_step, ()),
    (gan_ex.check_gradient_penalty, (None,)),
    (gan_ex.check_label_smoothing, (coverage(),)),
    (gan_ex.check_deeper_generator, ()),
]


@pytest.mark.parametrize("answer", ["x", 3, 10 ** 40, float("nan"), [1, 2], {"a": "b"},
                                    object(), np.zeros(3), (None, 1)])
@pytest.mark.parametrize("check, rest", CHECKS)
def test_wrong_types_fail_without_crashing(check, rest, answer):
    feedback = check(answer, *rest)
    assert feedback.status in (NOT_YET, NOT_ANSWERED) and feedback.status != CHECK_FAILED, \
        (check.__name__, answer, feedback.message)
    assert feedback.message
