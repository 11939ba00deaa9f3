"""Exercise checks that explain: every check returns Feedback and never raises.

A check is written as a plain function decorated with :func:`exercise`. Inside it,
:func:`expect` states what must hold and what to tell the student if it does not; the
function returns a sentence of praise. The decorator turns a missing answer (``None``,
as left by the student scaffold), a wrong type or a crash into readable feedback.
Per-notebook checks live in the submodules (``tensors``, ``mlp`` ...).
"""

import functools
import html


class Incorrect(Exception):
    """Raised by :func:`expect` when a student's answer misses a requirement."""


def expect(condition, message):
    """Stop the check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Incorrect(message)


class Feedback:
    """Outcome of one check: passed (True), failed (False) or not answered (None)."""

    _STYLE = {True: ("#e6f4ea", "#1e7b34", "Correct"),
              False: ("#fdecea", "#b3261e", "Not yet"),
              None: ("#f1f3f4", "#5f6368", "Not answered")}

    def __init__(self, exercise, passed, message, hint=None):
        self.exercise, self.passed, self.message, self.hint = exercise, passed, message, hint

    def __bool__(self):
        return bool(self.passed)

    def __repr__(self):
        label = self._STYLE[self.passed][2]
        text = f"[{label}] {self.exercise}: {self.message}"
        if self.hint and not self.passed:
            text += f"\n  Hint: {self.hint}"
        return text

    def _repr_html_(self):
        background, colour, label = self._STYLE[self.passed]
        hint = (f"<br><i>Hint:</i> {html.escape(self.hint)}"
                if self.hint and not self.passed else "")
        return (f'<div style="background:{background};border-left:6px solid {colour};'
                f'padding:8px 12px;margin:4px 0;font-size:14px">'
                f'<b style="color:{colour}">{label}</b> &middot; {html.escape(self.exercise)}: '
                f"{html.escape(self.message)}{hint}</div>")


def exercise(title, hint=None):
    """Decorate a check so that it always returns Feedback, whatever the student passes."""

    def decorate(check):
        @functools.wraps(check)
        def run(answer=None, *args, **kwargs):
            if answer is None:
                return Feedback(title, None, "the exercise cell above still has its "
                                "placeholder (None); write your answer there, run it, then "
                                "run this cell again.", hint)
            try:
                praise = check(answer, *args, **kwargs)
            except Incorrect as wrong:
                return Feedback(title, False, str(wrong), hint)
            except Exception as err:  # a broken answer must not crash the notebook
                return Feedback(title, False, "checking your answer raised "
                                f"{type(err).__name__}: {err}", hint)
            return Feedback(title, True, praise or "well done.")

        return run

    return decorate
