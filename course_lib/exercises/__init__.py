"""Exercise checks that explain: every check returns Feedback and never raises.

A check is a plain function decorated with :func:`exercise`. Inside it, :func:`expect`
states what must hold and what to tell the student if it does not, and
:func:`call_student` runs the student's own code (with a time limit, its errors turned into
a sentence); the function returns a sentence of praise. The decorator turns a missing
answer (``None``, as the student scaffold leaves it), a wrong type or a crash into readable
feedback; hints are shown only after a wrong answer, one step at a time.

Per-notebook checks live in the submodules (``tensors``, ``mlp`` ...).

When ``COURSE_CHECKS`` names a file, every check appends its verdict there as one JSON
line; the quality gate (``tests/quality``) then asserts that the source notebooks' checks
all said "Correct" and the student notebooks' all said "Not answered".
"""

import ast
import functools
import html
import inspect
import json
import os
import re
import signal
import textwrap
import threading

CHECKS_ENV = "COURSE_CHECKS"
# Seconds a student's function may run inside a check, the same for every call: a training
# step or a prediction takes under 5 s on a slow 2-core machine, an endless loop forever.
TIME_LIMIT = 30

CORRECT, NOT_YET, NOT_ANSWERED, CHECK_FAILED = "Correct", "Not yet", "Not answered", "Check failed"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


class Incorrect(Exception):
    """Raised by :func:`expect` when a student's answer misses a requirement."""


def expect(condition, message):
    """Stop the check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Incorrect(message)


def plain(text, limit=300):
    """Text fit for feedback: no ANSI colour codes, one paragraph, at most ``limit`` chars."""
    text = " ".join(_ANSI.sub("", str(text)).split())
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


class _TimeUp(BaseException):
    """Raised inside student code when its time is up (BaseException: ``except Exception``
    in the student's code must not swallow it)."""


def call_student(function, *args, name=None, seconds=TIME_LIMIT, **kwargs):
    """Run the student's ``function(*args, **kwargs)`` and return its result.

    An error inside it, or running past ``seconds``, becomes :class:`Incorrect` with one
    plain sentence (no traceback). The time limit uses SIGALRM, so it applies in the main
    thread of a Unix process, which is where a Jupyter kernel runs cells.
    """
    name = name or f"{getattr(function, '__name__', 'your function')}()"
    kind = type(function).__name__
    expect(callable(function), f"{name.split('(')[0]} should be a function (def ...), but it "
                               f"is {'an' if kind[0] in 'aeiou' else 'a'} {kind}.")

    def time_up(signum, frame):
        raise _TimeUp

    timed = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if timed:
        previous = signal.signal(signal.SIGALRM, time_up)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args, **kwargs)
    except _TimeUp:
        raise Incorrect(f"{name} did not finish within {seconds} s, so the check stopped it. "
                        "Is there a loop that never ends?") from None
    except (Incorrect, KeyboardInterrupt):
        raise
    except Exception as err:
        raise Incorrect(f"{name} raised {type(err).__name__}: {plain(err)}") from None
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def is_placeholder(answer):
    """True for what a student scaffold leaves: None, or a function whose body is only
    comments, a docstring, ``pass`` or ``return None``."""
    if answer is None:
        return True
    if not inspect.isfunction(answer):
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(answer)))
    except (OSError, TypeError, SyntaxError):
        return False
    body = tree.body[0].body if tree.body and hasattr(tree.body[0], "body") else [None]
    for node in body:
        if isinstance(node, ast.Pass):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        if isinstance(node, ast.Return) and (node.value is None or (
                isinstance(node.value, ast.Constant) and node.value.value is None)):
            continue
        return False
    return True


# What happened in the cell run just before a check: a check run after its exercise cell
# raised would otherwise grade whatever the names held before.
_previous_cell = {"error": None}


def _remember_cell(result):
    error = result.error_before_exec or result.error_in_exec
    _previous_cell["error"] = None if error is None else f"{type(error).__name__}: {plain(error, 160)}"


def _watch_cells():
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and _remember_cell not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", _remember_cell)


_watch_cells()


class Feedback:
    """Outcome of one check: its status (Correct, Not yet, Not answered, Check failed), a
    message, and the hints, which are shown only when the answer is not yet right.

    Hints open one step per attempt: after the first wrong answer only the nudge can be
    read, after the second the next step, and so on (``opened`` of them), so that a student
    tries again before reading more of the way to the answer.
    """

    _STYLE = {CORRECT: ("#e6f4ea", "#1e7b34"), NOT_YET: ("#fdecea", "#b3261e"),
              NOT_ANSWERED: ("#f1f3f4", "#5f6368"), CHECK_FAILED: ("#fff4e5", "#8a4b00")}

    def __init__(self, exercise, status, message, hints=(), opened=None):
        self.exercise, self.status, self.message = exercise, status, plain(message, 2000)
        self.hints = tuple(hints) if status == NOT_YET else ()
        self.opened = len(self.hints) if opened is None else min(opened, len(self.hints))

    @property
    def passed(self):
        """True (correct), False (not yet, or the check failed) or None (not answered)."""
        return {CORRECT: True, NOT_ANSWERED: None}.get(self.status, False)

    def __bool__(self):
        return self.status == CORRECT

    def __repr__(self):
        text = f"[{self.status}] {self.exercise}: {self.message}"
        if self.hints:
            text += (f"\n  Stuck? {self.opened} of {len(self.hints)} hint(s) open, one more "
                     f"after each attempt: feedback.hint({self.opened})")
        return text

    def hint(self, step=1):
        """The hint of this step (1 = a nudge, later steps say more), once it is open."""
        if not self.hints:
            return "No hint: " + ("the answer is right." if self else "answer the exercise first.")
        step = min(max(int(step), 1), len(self.hints))
        if step > self.opened:
            return (f"Hint {step} of {len(self.hints)} opens after {step - self.opened} more "
                    f"attempt{'s' * (step - self.opened > 1)}: change your answer, run it and "
                    "the check again.")
        return f"Hint {step} of {len(self.hints)}: {self.hints[step - 1]}"

    def _repr_html_(self):
        background, colour = self._STYLE[self.status]
        # Each step is its own collapsed block: the student opens the nudge first.
        hints = "".join(
            f'<details style="margin-top:4px"><summary style="cursor:pointer">'
            f'Hint {i} of {len(self.hints)}</summary>{html.escape(h)}</details>'
            for i, h in enumerate(self.hints[:self.opened], 1))
        if self.opened < len(self.hints):
            hints += (f'<div style="margin-top:4px;color:#5f6368">Hint {self.opened + 1} of '
                      f'{len(self.hints)} opens after your next attempt.</div>')
        return (f'<div style="background:{background};border-left:6px solid {colour};'
                f'padding:8px 12px;margin:4px 0;font-size:14px">'
                f'<b style="color:{colour}">{self.status}</b> &middot; '
                f'{html.escape(self.exercise)}: {html.escape(self.message)}{hints}</div>')


def _record(check, feedback):
    """Append the verdict to the COURSE_CHECKS file, if one is set (CI's quality gate)."""
    path = os.environ.get(CHECKS_ENV)
    if path:
        line = json.dumps({"check": f"{check.__module__}.{check.__name__}",
                           "exercise": feedback.exercise, "status": feedback.status,
                           "message": feedback.message})
        with open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")


# Wrong attempts per check in this kernel, which open its hints one step at a time.
_attempts = {}


def exercise(title, hints=(), answers=1):
    """Decorate a check so that it always returns Feedback, whatever the student passes.

    The first ``answers`` parameters of the check are the student's answers (the names the
    exercise cell defines); the rest is context from the notebook. ``hints`` go from a
    nudge to a fuller explanation, and are never the answer itself.
    """
    hints = (hints,) if isinstance(hints, str) else tuple(hints)

    def decorate(check):
        signature = inspect.signature(check)
        answer_names = list(signature.parameters)[:answers]

        def verdict(args, kwargs):
            try:
                bound = signature.bind_partial(*args, **kwargs)
            except TypeError as err:
                return Feedback(title, CHECK_FAILED, f"the check cell calls {check.__name__} "
                                f"wrongly ({err}); restore the check cell as it was.")
            given = {name: bound.arguments.get(name) for name in answer_names}
            if _previous_cell["error"]:
                return Feedback(title, NOT_YET, "the cell you ran just before this check "
                                f"stopped with {_previous_cell['error']}, so {_names(given)} may "
                                "still hold an older value (or none). Fix that cell, run it, "
                                "then run this check again.")
            missing = [name for name, value in given.items() if is_placeholder(value)]
            if len(missing) == len(given):
                return Feedback(title, NOT_ANSWERED, f"{_names(missing)} still "
                                f"{'is' if len(missing) == 1 else 'are'} the placeholder of the "
                                "exercise cell above: write your answer there, run it, then run "
                                "this cell again.")
            if missing:
                return Feedback(title, NOT_YET, f"{_names(missing)} "
                                f"{'is' if len(missing) == 1 else 'are'} still None; the check "
                                f"needs {_names(given)}.", hints)
            try:
                praise = check(*bound.args, **bound.kwargs)
            except Incorrect as wrong:
                return Feedback(title, NOT_YET, str(wrong), hints)
            except KeyboardInterrupt:
                raise
            except Exception as err:  # a bug in the check, not in the answer
                return Feedback(title, CHECK_FAILED, "the check itself failed "
                                f"({type(err).__name__}: {plain(err, 200)}). This is a bug in "
                                "the course, not in your answer; please report it.")
            return Feedback(title, CORRECT, praise or "well done.")

        @functools.wraps(check)
        def run(*args, **kwargs):
            feedback = verdict(args, kwargs)
            if feedback.status == NOT_YET:  # one more hint opens with each wrong attempt
                _attempts[run] = _attempts.get(run, 0) + 1
                feedback.opened = min(_attempts[run], len(feedback.hints))
            _record(check, feedback)
            return feedback

        return run

    return decorate


def _names(names):
    names = [f"`{name}`" for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
