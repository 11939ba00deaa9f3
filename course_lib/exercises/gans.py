"""Checks for notebook 05 (GANs): label smoothing, a deeper generator, telltale genes."""

import numbers

import numpy as np

from course_lib.exercises import exercise, expect


def _is_keras_model(obj):
    import keras

    return isinstance(obj, keras.Model)


@exercise("One-sided label smoothing",
          hints="gan.GAN(generator, discriminator, label_smoothing=0.1), compile(), fit on "
               "x_gan for 4 epochs, then evaluation.mode_coverage(model.generate(2000), "
               "digit_classifier).")
def check_label_smoothing(smooth_gan, smooth_coverage=None, collapsed_covered=None):
    """A plain-generator GAN trained with label smoothing, and its measured mode coverage."""
    from course_lib.evaluation import ModeCoverage
    from course_lib.gan import GAN

    expect(isinstance(smooth_gan, GAN), "smooth_gan should be a course_lib.gan.GAN, not a "
           f"{type(smooth_gan).__name__}.")
    smoothing = getattr(smooth_gan, "label_smoothing", 0.0)
    expect(smoothing > 0, "label_smoothing is 0: pass label_smoothing=0.1 when you build the GAN.")
    expect(smoothing <= 0.3, f"label_smoothing={smoothing:g} is very strong; real samples "
           "would be labelled below 0.7. Use 0.1.")
    expect(getattr(smooth_gan, "compiled", False), "call smooth_gan.compile() before fitting.")
    steps = int(np.asarray(smooth_gan.g_optimizer.iterations))
    expect(steps > 0, "smooth_gan has not been trained yet: call fit.")
    import keras

    expect(not any(isinstance(layer, keras.layers.BatchNormalization)
                   for layer in smooth_gan.generator.layers),
           "keep the plain generator (no batch normalisation), so that the comparison with "
           "the collapsed run changes one thing only.")
    expect(isinstance(smooth_coverage, ModeCoverage),
           "smooth_coverage should be the result of evaluation.mode_coverage(...).")
    expect(smooth_coverage.counts.sum() >= 500, "measure coverage on at least 500 generated "
           "digits (e.g. smooth_gan.generate(2000)).")
    message = (f"with label smoothing {smoothing:g}, {smooth_coverage.covered} of 10 digits "
               f"appear (effective number {smooth_coverage.effective:.1f})")
    if isinstance(collapsed_covered, numbers.Real):
        if smooth_coverage.covered > collapsed_covered:
            message += f", against {int(collapsed_covered)} without it: it helps a little"
        else:
            message += f", against {int(collapsed_covered)} without it: no cure here"
    return message + ". Smoothing tempers an over-confident discriminator; it does not " \
                     "by itself stop the generator from collapsing."


@exercise("A deeper generator",
          hints="gan.build_generator(latent_dim=64, output_dim=784, hidden=(128, 256, 512), "
               "batchnorm=True)")
def check_deeper_generator(deeper_generator):
    """Generator with hidden layers 128-256-512, batch normalisation, sigmoid pixels."""
    import keras

    expect(_is_keras_model(deeper_generator), "deeper_generator should be a Keras model, not a "
           f"{type(deeper_generator).__name__}.")
    expect(tuple(deeper_generator.input_shape) == (None, 64),
           f"the generator should take 64 noise values, not {deeper_generator.input_shape}.")
    expect(tuple(deeper_generator.output_shape) == (None, 784),
           f"the generator should output 784 pixels, not {deeper_generator.output_shape}.")
    dense = [layer for layer in deeper_generator.layers if isinstance(layer, keras.layers.Dense)]
    units = [layer.units for layer in dense[:-1]]
    expect(units == [128, 256, 512], f"hidden Dense layers should have 128, 256, 512 units; "
           f"yours have {units}.")
    expect(any(isinstance(layer, keras.layers.BatchNormalization)
               for layer in deeper_generator.layers), "add batch normalisation (batchnorm=True).")
    out = np.asarray(deeper_generator(np.random.default_rng(0).standard_normal(
        (8, 64)).astype("float32"), training=False))
    expect(out.min() >= 0 and out.max() <= 1, "pixels should lie in [0, 1]: keep the sigmoid "
           "output.")
    return (f"{deeper_generator.count_params():,} parameters. A third hidden layer adds "
            "capacity; whether it helps has to be measured with the same coverage and AUC "
            "tests, on the same budget.")


@exercise("Genes that give the generator away",
          hints="fit RandomForestClassifier on np.vstack([real_a, generated_cells]) with labels "
               "1/0, then take gene_names at np.argsort(forest.feature_importances_)[::-1][:5].")
def check_telltale_genes(telltale_genes, real=None, generated=None, gene_names=None):
    """Five gene names the forest relies on most to tell generated from real cells."""
    expect(isinstance(telltale_genes, (list, tuple, np.ndarray)),
           f"telltale_genes should be a list of gene names, not a {type(telltale_genes).__name__}.")
    genes = [str(g) for g in telltale_genes]
    expect(len(genes) == 5, f"give exactly 5 gene names, not {len(genes)}.")
    expect(len(set(genes)) == 5, "the 5 genes should be different.")
    if gene_names is not None:
        names = [str(g) for g in gene_names]
        unknown = [g for g in genes if g not in names]
        expect(not unknown, f"not among the modelled genes: {unknown}. Use gene_names[i], "
               "not the index i.")
        if real is not None and generated is not None:
            real, generated = np.asarray(real), np.asarray(generated)
            # How different each gene is: mean gap and zero-fraction gap, in units of spread
            spread = np.sqrt(0.5 * (real.var(0) + generated.var(0))) + 1e-6
            gap = (np.abs(real.mean(0) - generated.mean(0)) / spread
                   + np.abs((real == 0).mean(0) - (generated == 0).mean(0)))
            chosen = gap[[names.index(g) for g in genes]]
            expect(np.mean(chosen) > np.median(gap),
                   "these genes differ less between real and generated cells than a typical "
                   "gene: take the genes with the LARGEST feature_importances_.")
    return (f"{', '.join(genes)}: look at their means and zero fractions in real and generated "
            "cells to see what the generator gets wrong.")
