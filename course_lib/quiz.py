"""Self-check questions at the end of each notebook: click a choice to see whether it is
right, and why.

A quiz is plain HTML built from ``<details>`` elements, with no JavaScript, so it works the
same in JupyterLab (trusted or not), in an exported notebook and on the course website.
The choices appear in an order fixed per question, so the right one is not always first.
Every choice carries its explanation, the wrong ones most of all: a wrong click should teach
as much as a right one. Math is written as ``\\( ... \\)``, which JupyterLab's and the
website's MathJax both typeset.

Usage, in the notebook's self-check section: ``quiz.show("04")``.
"""

import random
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool
    why: str


@dataclass(frozen=True)
class Question:
    text: str
    choices: tuple


def _q(text, *choices):
    return Question(text, tuple(Choice(*c) for c in choices))


QUIZZES = {
    "01": (
        _q("A count matrix holds 2,000 cells and 500 genes. What shape does a Dense layer expect "
           "for a batch of 32 cells?",
           ("(32, 500)", True, "Samples first, features last: each of the 32 cells is a vector "
                               "of 500 genes."),
           ("(500, 32)", False, "Genes first is the layout of many R objects; Keras reads the "
                                "first axis as the samples, so transpose such a matrix first."),
           ("(32, 2000)", False, "2,000 is the number of cells in the whole data set, not the "
                                 "number of features of one cell.")),
        _q("A Dense layer with 64 units receives inputs with 500 features. How many trainable "
           "parameters does it have?",
           ("32,064", True, "500 × 64 weights, one per input and unit, plus 64 biases."),
           ("32,000", False, "That counts the weights but forgets the 64 biases, one per unit."),
           ("564", False, "That adds the two sizes; every input is connected to every unit, so "
                          "they multiply.")),
        _q("Why do networks put nonlinear activation functions between their Dense layers?",
           ("Without them a stack of Dense layers is one linear map, however deep.", True,
            "The composition of linear maps is linear; the nonlinearity is what lets depth "
            "express more."),
           ("They make training faster.", False, "ReLU is cheap, but speed is not the point: a "
                                                 "linear network cannot fit a nonlinear function at all."),
           ("They keep the weights small.", False, "That is what weight decay (a penalty on the "
                                                   "weights) does, not activations.")),
        _q("What does gradient descent typically do with a learning rate that is far too large?",
           ("It overshoots: the loss jumps around or grows.", True,
            "Each step goes past the minimum by more than it started from."),
           ("It reaches the same minimum faster.", False, "Only up to a point: beyond it, the "
                                                          "steps overshoot instead of arriving sooner."),
           ("It barely moves from the starting weights.", False, "That is the sign of a learning "
                                                                 "rate that is too small.")),
    ),
    "02": (
        _q("Why is the test set used only once, at the end?",
           ("A set used to choose settings stops being an unbiased measure of them.", True,
            "Every choice made by looking at a score fits that score a little; the validation "
            "set takes those choices, so the test score stays honest."),
           ("Evaluating on 10,000 digits is too slow to do often.", False,
            "It takes about a second; the reason is statistical, not computational."),
           ("Evaluating would change the weights.", False,
            "Evaluation does not train; the leak goes through the choices you make after seeing "
            "the score.")),
        _q("The true class of a digit gets probability 0.5 from the softmax. What is its "
           "cross-entropy loss?",
           ("\\(-\\ln 0.5 \\approx 0.69\\)", True, "The loss is the negative log-probability of "
                                                   "the true class."),
           ("0.5", False, "That would be \\(1 - p\\); cross-entropy takes the negative logarithm "
                          "of \\(p\\)."),
           ("0", False, "Only a probability of 1 for the true class gives a loss of 0.")),
        _q("The training loss keeps falling while the validation loss starts to rise. What is "
           "happening?",
           ("Overfitting: the model starts to memorise the training digits.", True,
            "Stop at the epoch with the best validation loss, or regularise."),
           ("The learning rate is too small.", False, "A small learning rate makes both curves "
                                                      "fall slowly, not diverge from each other."),
           ("The validation digits are harder.", False, "Then the validation loss would be higher "
                                                        "from the start, not turn upwards later.")),
        _q("What is true of the Sequential and the Functional API?",
           ("Both build Keras models; the Functional API can also express several inputs, outputs "
            "or branches.", True, "Sequential is the special case of a single chain of layers."),
           ("Functional models train faster.", False, "The same layers do the same computation, "
                                                      "however the model was assembled."),
           ("Sequential models cannot be trained with fit.", False,
            "Every Keras model, built either way, trains with compile and fit.")),
    ),
    "03": (
        _q("A linear autoencoder with a 2-number code is trained with squared error. What does "
           "it learn?",
           ("The subspace of the first two principal components.", True,
            "Baldi & Hornik (1989): for linear maps and squared error, PCA is the optimum."),
           ("A better code than PCA.", False, "No linear code reconstructs better than PCA; only "
                                              "nonlinear layers can beat it."),
           ("A random projection.", False, "Training minimises the reconstruction error, which "
                                           "singles out the principal subspace.")),
        _q("Why does a denoising autoencoder get corrupted inputs but clean targets?",
           ("So it cannot simply copy its input and must learn the structure that undoes the "
            "corruption.", True, "Copying is no longer a solution, so the code has to capture "
                                 "what digits look like."),
           ("To make the training set larger.", False, "The extra variety is a side effect; the "
                                                       "clean target is what matters."),
           ("Because clean inputs would make it overfit.", False,
            "The problem it avoids is the identity map, not overfitting.")),
        _q("What do you get when you decode a point halfway between the codes of two digits in "
           "a plain autoencoder?",
           ("Anything from a blend to a non-digit: nothing in training shapes the space between "
            "codes.", True, "The VAE of notebook 04 adds exactly that: a prior that makes the "
                            "whole code space decode to plausible images."),
           ("Always a digit halfway between the two.", False,
            "Only a regular code space guarantees that, and a plain autoencoder is not trained "
            "for one."),
           ("An error: the point is not the code of any image.", False,
            "The decoder is a function; it decodes any point, meaningful or not.")),
        _q("What makes an autoencoder sparse?",
           ("A penalty on the activity of its code units, so each input uses only a few.", True,
            "The sparsity is in the activations, input by input."),
           ("Fewer weights than a dense one.", False, "The layers are the same; sparsity is about "
                                                      "activations, not weights."),
           ("A code much smaller than the input.", False,
            "A sparse code can even be wider than the input; its constraint is the penalty.")),
    ),
    "04": (
        _q("What does the reparameterisation trick do?",
           ("It writes the sample as \\(z = \\mu + \\sigma\\varepsilon\\), so gradients reach "
            "\\(\\mu\\) and \\(\\sigma\\).", True, "The randomness moves into "
                                                   "\\(\\varepsilon\\), an input that needs no gradient."),
           ("It makes sampling faster.", False, "Sampling costs the same; the trick is about "
                                                "differentiating through it."),
           ("It removes the randomness from training.", False,
            "The noise is still there, in \\(\\varepsilon\\); only where it enters changes.")),
        _q("With a Gaussian encoder and a standard normal prior, when is the KL term zero?",
           ("When \\(\\mu = 0\\) and \\(\\sigma = 1\\) in every latent dimension.", True,
            "The encoder then returns the prior whatever the input: no information gets through."),
           ("When the reconstruction is perfect.", False,
            "The KL term depends only on the encoder's distribution, not on the decoder."),
           ("When \\(\\sigma = 0\\).", False, "A zero variance makes the KL term infinite: the "
                                              "\\(-\\log \\sigma^2\\) part diverges.")),
        _q("In the beta sweep, what happens when \\(\\beta\\) rises from 1 to 4?",
           ("The reconstruction error rises and the KL term falls.", True,
            "A larger weight on the KL term buys a smaller KL at the cost of reconstruction, in "
            "every seed."),
           ("Both fall.", False, "They trade against each other: pushing one down pushes the "
                                 "other up."),
           ("The latent space separates the digits better.", False,
            "In the course's runs the kNN accuracy fell; \\(\\beta > 1\\) buys regular latent "
            "axes, not class separation.")),
        _q("How do you draw a new digit from a trained VAE?",
           ("Draw \\(z\\) from the prior \\(\\mathcal{N}(0, I)\\) and decode it.", True,
            "The KL term trained the codes to fill the prior, so its samples decode to digits."),
           ("Encode a random image.", False, "That gives a code of an existing image, not a new "
                                             "sample of the model."),
           ("Draw \\(z\\) uniformly from \\([0, 1]\\).", False,
            "The model was trained to match \\(\\mathcal{N}(0, I)\\); a uniform box covers only "
            "part of it, and unevenly.")),
    ),
    "05": (
        _q("What is the discriminator trained to do in a GAN's training step?",
           ("Label real samples 1 and generated samples 0.", True,
            "The generator is then trained so that the discriminator labels its samples 1."),
           ("Label every sample 1.", False, "Then it would learn nothing and give the generator "
                                            "no signal."),
           ("Reconstruct the generator's noise.", False, "That would be an encoder; a "
                                                         "discriminator only classifies.")),
        _q("What is mode collapse?",
           ("The generator produces only a few kinds of samples that fool the discriminator.", True,
            "In notebook 05, a collapsed MNIST generator draws essentially one digit."),
           ("The discriminator's loss reaches zero.", False,
            "That can happen in a failing GAN, but it is a different failure: a discriminator "
            "that always wins."),
           ("The generator's weights become NaN.", False, "That is numerical divergence; a "
                                                          "collapsed generator trains on, just narrowly.")),
        _q("A random forest tells generated cells from held-out real cells with an AUC of 0.5. "
           "What does that mean?",
           ("On the features it sees, it cannot tell them apart: the best realism score there "
            "is.", True, "Real against real cells scores about 0.5 too, the ceiling of this test."),
           ("Half of the generated cells are copies of real ones.", False,
            "The AUC ranks all cells; 0.5 means the ranks carry no information."),
           ("The generator collapsed.", False, "A collapsed generator is easy to spot: its AUC is "
                                               "near 1.")),
        _q("Where does WGAN-GP evaluate its gradient penalty?",
           ("At random points on lines between real and generated samples.", True,
            "Gulrajani et al. (2017): the critic's 1-Lipschitz constraint matters between the two "
            "distributions."),
           ("At the real samples only.", False, "That constrains the critic where it is easy and "
                                                "leaves the region the generator moves through free."),
           ("At the generated samples only.", False,
            "Half the story: the interpolates cover the space between both.")),
    ),
    "06": (
        _q("Why are the highly variable genes chosen on the training cells only?",
           ("Choosing them on all cells lets the held-out cells shape the model's inputs.", True,
            "A leak like this flatters every held-out score computed afterwards."),
           ("Because more cells give a worse choice.", False,
            "More cells give a steadier choice; the problem is which cells, not how many."),
           ("Because it is faster.", False, "Selecting genes takes a fraction of a second; the "
                                            "reason is held-out discipline.")),
        _q("Against what does molecular cross-validation score a denoiser?",
           ("The other half of each cell's counts, split binomially, which the denoiser never "
            "saw.", True, "Batson, Royer & Webber (2019); both halves sample the same cell."),
           ("The noisy input.", False, "Then no denoising at all, the identity map, would score "
                                       "perfectly."),
           ("Noise-free measurements of the same cells.", False,
            "No such measurement exists for real cells, which is why MCV splits the molecules.")),
        _q("Why does the negative-binomial decoder take the cell's library size as an offset?",
           ("A gene's expected count scales with how many molecules were captured in the cell.", True,
            "Capture efficiency is technical, so the model explains it directly instead of "
            "coding it in the latent space."),
           ("To make its outputs integers.", False, "The decoder outputs a mean and a dispersion; "
                                                    "the counts are integers under the distribution anyway."),
           ("To remove batch effects.", False, "Depth can differ between batches, but a batch "
                                               "effect is more than depth; the offset is per cell.")),
        _q("The correction that uses the cell-line labels gets a cell-line ARI of 1.000. Why is "
           "that alone not convincing?",
           ("It was built from the same labels the score uses, so the score is partly "
            "circular.", True, "The label-free variant (mutual nearest neighbours) is the fair "
                               "comparison, and the notebook shows both."),
           ("An ARI of 1 is impossible.", False, "It means the clusters match the labels exactly, "
                                                 "which can happen."),
           ("ARI measures batch mixing, not biology.", False,
            "ARI compares clusters with the cell-line labels: it measures conserved biology.")),
    ),
    "07": (
        _q("How does scGen predict the stimulated CD4 T cells?",
           ("It adds the control-to-stimulated shift, learnt on the other cell types, to their "
            "latent codes and decodes.", True, "Stimulated CD4 T cells are held out from "
                                               "training; only their control cells are seen."),
           ("It trains on the stimulated CD4 T cells.", False, "They are held out from the start: "
                                                               "predicting them is the test."),
           ("It averages the stimulated cells of the other types.", False,
            "That ignores what is specific to CD4 T cells; scGen starts from their own control "
            "cells.")),
        _q("Why is the r² of gene means shown next to a mean absolute error?",
           ("r², a squared Pearson correlation, is blind to scale and offset.", True,
            "A prediction that overshoots every gene by the same factor still scores 1; the "
            "error on the count scale catches it."),
           ("Because r² can be negative.", False, "That is the coefficient of determination; a "
                                                  "squared correlation lies in [0, 1]."),
           ("Because the scGen paper reports the MAE.", False,
            "The paper reports r²; the MAE is added to show scale.")),
        _q("The gene-space baseline (the mean shift added to the genes, no VAE) comes close to "
           "scGen. What is the lesson?",
           ("A deep model must be compared with simple baselines.", True,
            "Ahlmann-Eltze, Huber & Anders (2025) found linear baselines matching deep models "
            "at perturbation prediction."),
           ("The VAE is useless.", False, "A model that ties a simpler one can still be useful "
                                          "(it also generates cells); the honest report says "
                                          "where it helps and where it does not."),
           ("The baseline is cheating.", False, "It uses the same training cells and labels as "
                                                "scGen; only the space of the arithmetic differs.")),
        _q("After the in-silico knock-down, the decoder restores much of the knocked-out ISG15 "
           "from the other genes. What does that show?",
           ("What the model learnt about gene-gene correlations, not what a cell without ISG15 "
            "would do.", True, "The model was trained on observed cells, never on knock-downs; "
                               "correlation is not intervention."),
           ("That ISG15 does nothing in the cell.", False,
            "A model of correlations cannot answer a causal question."),
           ("That the model ignores its input.", False,
            "The other genes are input too; the model fills ISG15 in from them.")),
    ),
}


# Spacing, and a coloured bar beside each verdict (the words and the mark carry the meaning;
# the colour only repeats it). `mathjax_process` asks the website's MathJax to typeset it.
STYLE = """<style>
.course-quiz-question { margin: 1.2em 0 0.6em; }
.course-quiz-choice { margin: 0.25em 0 0.25em 1em; }
.course-quiz-choice summary { cursor: pointer; }
.course-quiz-choice p { margin: 0.3em 0 0.6em 1.2em; padding-left: 0.6em; }
.course-quiz-right { border-left: 4px solid #1a7f37; }
.course-quiz-wrong { border-left: 4px solid #b35900; }
</style>"""


def render(questions):
    """HTML for a list of questions: each choice a <details> that opens to its verdict."""
    parts = [STYLE, '<div class="course-quiz mathjax_process">']
    for number, question in enumerate(questions, 1):
        parts.append(f'<div class="course-quiz-question"><p><b>{number}.</b> '
                     f"{escape(question.text)}</p>")
        choices = list(question.choices)
        # the right answer's place varies, the same on every run (seeded by the question)
        random.Random(question.text).shuffle(choices)
        for letter, choice in zip("ABCDEF", choices):
            verdict = "✔ Right." if choice.correct else "✘ Not quite."
            parts.append(
                f'<details class="course-quiz-choice"><summary>{letter}. {escape(choice.text)}'
                f'</summary><p class="course-quiz-{"right" if choice.correct else "wrong"}">'
                f"<b>{verdict}</b> {escape(choice.why)}</p></details>")
        parts.append("</div>")
    parts.append("</div>")
    return "\n".join(parts)


def show(notebook):
    """Display the self-check questions of a notebook ("01" ... "07")."""
    from IPython.display import HTML, display

    if notebook not in QUIZZES:
        raise KeyError(f"no quiz for notebook {notebook!r}; there are quizzes for "
                       f"{', '.join(sorted(QUIZZES))}")
    display(HTML(render(QUIZZES[notebook])))
