"""Learning-rate schedules: a linear warm-up followed by a cosine decay."""

import math

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="course_lib")
class WarmUpCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from ``initial`` to ``peak`` over ``warmup_steps``, then cosine decay.

    After ``warmup_steps`` the rate falls along half a cosine to ``final`` at ``total_steps``
    and stays there. Small early steps keep the first, noisy gradients of a freshly
    initialised network (and Adam's still poorly estimated second moments) from
    throwing the weights far off.
    """

    def __init__(self, peak=1e-3, warmup_steps=100, total_steps=1000, initial=1e-5, final=1e-4):
        super().__init__()
        if warmup_steps < 0 or total_steps <= warmup_steps:
            raise ValueError("need 0 <= warmup_steps < total_steps")
        self.peak, self.initial, self.final = float(peak), float(initial), float(final)
        self.warmup_steps, self.total_steps = int(warmup_steps), int(total_steps)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        warm = self.initial + (self.peak - self.initial) * step / max(self.warmup_steps, 1)
        progress = keras.ops.clip((step - self.warmup_steps)
                                  / (self.total_steps - self.warmup_steps), 0.0, 1.0)
        cosine = self.final + 0.5 * (self.peak - self.final) * (
            1.0 + keras.ops.cos(math.pi * progress))
        return keras.ops.where(step < self.warmup_steps, warm, cosine)

    def get_config(self):
        return {"peak": self.peak, "warmup_steps": self.warmup_steps,
                "total_steps": self.total_steps, "initial": self.initial, "final": self.final}


def schedule_values(schedule, n_steps):
    """Learning rate of ``schedule`` at steps 0 .. n_steps-1, as a NumPy array."""
    return np.asarray(keras.ops.convert_to_numpy(schedule(np.arange(n_steps))), dtype=float)
