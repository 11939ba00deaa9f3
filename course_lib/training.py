"""Training helpers: one concise progress line instead of Keras's per-batch bars."""

import time

import keras


def format_logs(logs):
    """Metrics as a compact 'name value' string."""
    return "  ".join(f"{k} {v:.4g}" for k, v in (logs or {}).items())


class ProgressLine(keras.callbacks.Callback):
    """Print a single, updating line per training run: epoch, metrics, elapsed time."""

    def __init__(self, every=1):
        super().__init__()
        self.every = every

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()
        self.line = ""

    def on_epoch_end(self, epoch, logs=None):
        total = self.params.get("epochs", "?")
        self.line = (f"epoch {epoch + 1}/{total}  {format_logs(logs)}  "
                     f"[{time.perf_counter() - self.start:.0f}s]")
        if (epoch + 1) % self.every == 0:
            print("\r" + self.line, end="", flush=True)

    def on_train_end(self, logs=None):
        print("\r" + self.line, flush=True)
