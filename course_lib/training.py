"""Training helpers: learning-rate schedules, and one concise progress line instead of Keras's
per-batch bars."""

import time

import keras


# ---------------------------------------------------------------- learning-rate schedules
def warmup_cosine(steps_per_epoch, epochs, peak_lr=1e-3, warmup_epochs=5):
    """A learning rate with a linear warm-up over ``warmup_epochs``, then cosine decay.

    The single-cell VAE's recipe (notebook 06): from 1e-5 up to ``peak_lr``, then along half a
    cosine down to a tenth of it. Small early steps keep the first, noisy gradients of a freshly
    initialised network (and Adam's still poorly estimated second moments) from throwing the
    weights far off.
    """
    total = max(epochs * steps_per_epoch, 2)
    warmup = min(warmup_epochs * steps_per_epoch, total - 1)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=1e-5, warmup_target=peak_lr, warmup_steps=warmup,
        decay_steps=total - warmup, alpha=0.1)


def decaying_adam(learning_rate, decay_steps, final_fraction=0.1, beta_1=0.5, beta_2=0.9):
    """Adam whose learning rate decays exponentially to ``final_fraction`` over decay_steps.

    The conditional scGAN's optimisers (notebook 05), with the momentum of the WGAN-GP paper.
    """
    schedule = keras.optimizers.schedules.ExponentialDecay(learning_rate, int(decay_steps),
                                                           final_fraction)
    return keras.optimizers.Adam(schedule, beta_1=beta_1, beta_2=beta_2)


# ---------------------------------------------------------------- progress
# Short metric names keep a VAE's six metrics on one line: val_reconstruction_loss -> val_rec.
ABBREVIATIONS = (("reconstruction_loss", "rec"), ("kl_loss", "kl"), ("accuracy", "acc"))


def short_name(name):
    """A metric's name with the long words abbreviated."""
    for word, short in ABBREVIATIONS:
        name = name.replace(word, short)
    return name


def format_logs(logs, width=None):
    """Metrics as a compact 'name value' string; with ``width``, only the metrics that fit."""
    text = ""
    for name, value in (logs or {}).items():
        item = f"{short_name(name)} {value:.4g}"
        if width is not None and len(text) + 2 + len(item) > width:
            break
        text = f"{text}  {item}" if text else item
    return text


class ProgressLine(keras.callbacks.Callback):
    """Print a single, updating line per training run: epoch, metrics, elapsed time.

    The line is rewritten in place with a carriage return. A carriage return only moves
    the cursor back, so each line is padded to the length of the one before (otherwise a
    shorter line leaves the tail of a longer one), and kept within ``width`` characters so
    that it never wraps.
    """

    def __init__(self, every=1, width=100):
        super().__init__()
        self.every = every
        self.width = width

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()
        self.line = ""
        self.shown = 0  # length of the line on screen

    def on_epoch_end(self, epoch, logs=None):
        head = f"epoch {epoch + 1}/{self.params.get('epochs', '?')}  "
        tail = f"  [{time.perf_counter() - self.start:.0f}s]"
        self.line = head + format_logs(logs, self.width - len(head) - len(tail)) + tail
        if (epoch + 1) % self.every == 0:
            self._show(end="")

    def on_train_end(self, logs=None):
        self._show(end="\n")

    def _show(self, end):
        print("\r" + self.line.ljust(self.shown), end=end, flush=True)
        self.shown = len(self.line)
