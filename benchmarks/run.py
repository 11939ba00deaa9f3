"""Course benchmark: execute every notebook in a fresh kernel, time it, measure its memory.

For each notebooks/NN_*.ipynb: wall seconds (kernel start to last cell), its longest cell,
the kernel's peak resident memory (the kernel process and its children, polled while it runs) and the key
results the notebook recorded with ``course_lib.results.record`` (collected through the
COURSE_RESULTS file, one per notebook). Writes a JSON file per backend and re-renders
benchmarks/RESULTS.md from every JSON present, so a TensorFlow and a JAX run sit side by side.

After the notebooks, ``benchmarks/flop_rate.py`` measures how fast each notebook's main
training step runs against the machine's matrix-product rate.

Usage: python benchmarks/run.py [--backend tensorflow|jax] [--merge] [NOTEBOOK.ipynb ...]
(``--merge`` re-measures only the notebooks named and keeps the others' entries;
``--flop-rate`` re-measures only the training rates.)
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from course_lib.results import TARGETS

import flop_rate
from calibrate import calibrate, run_script
from kernel_memory import PEAK_LIMIT_MB, PRIVATE_LIMIT_MB, PeakMemory, kernel_pid

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks"
RESULT_FILES = {"tensorflow": HERE / "results.json", "jax": HERE / "results-jax.json"}
# Every machine a benchmark ran on, with its calibration (benchmarks/calibrate.py). Budgets
# are checked at the speed of the slowest one seen: a course that fits there fits anywhere.
MACHINES = HERE / "machines.json"
PACKAGES = ("keras", "tensorflow-cpu", "jax", "jaxlib", "numpy", "scikit-learn", "scanpy")
# The course's time budgets on a 2-core machine with TensorFlow (memory: PEAK_LIMIT_MB).
NOTEBOOK_LIMIT_S = 5 * 60
CELL_LIMIT_S = 60  # longer and a student waits in front of a silent cell
TOTAL_LIMIT_S = 18 * 60


def cell_seconds(notebook):
    """[(seconds, cell index)] of every timed code cell, slowest first (nbclient's timings)."""
    timed = []
    for index, cell in enumerate(notebook.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if cell.cell_type == "code" and start and end:
            seconds = (datetime.fromisoformat(end.replace("Z", "+00:00")) -
                       datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            timed.append((seconds, index))
    return sorted(timed, reverse=True)


def kernel_env(backend, **extra):
    """The environment kernels get from `make lab`, `make test` and Binder's `start`, however
    this script is started: MALLOC_ARENA_MAX=2 alone changes TensorFlow's peak by 300-500 MB."""
    return {"MALLOC_ARENA_MAX": "2", **os.environ, "KERAS_BACKEND": backend, **extra}


def run_notebook(path, backend, timeout=1800):
    """Execute one notebook in a fresh kernel; return its seconds, peak MB and results."""
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        results_file = Path(tmp) / "results.json"
        env = kernel_env(backend, COURSE_RESULTS=str(results_file))
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        monitor = PeakMemory(lambda: kernel_pid(client))
        monitor.start()
        start, error = time.perf_counter(), None
        try:
            client.execute(env=env)
        except CellExecutionError as exc:
            error = str(exc).strip().splitlines()[-1][:300]
        finally:
            seconds = time.perf_counter() - start
            monitor.done.set()
            monitor.join()
        results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    # the five slowest cells, to show where a notebook's time goes
    slowest = [[index, round(s, 1)] for s, index in cell_seconds(notebook)[:5]] or [[None, 0.0]]
    entry = {"seconds": round(seconds, 1), "longest_cell_seconds": slowest[0][1],
             "longest_cell": slowest[0][0], "slowest_cells": slowest,
             "peak_rss_mb": round(monitor.peak_mb, 1),
             "kernel_only_peak_rss_mb": round(monitor.kernel_peak_mb, 1),
             "private_peak_mb": round(monitor.private_peak_mb, 1), "results": results}
    if error:
        entry["error"] = error
    return entry


def _mb(value):
    """MB for the table; runs recorded before private memory was measured show a dash."""
    return f"{value:.0f}" if value else "–"


def versions():
    """Installed versions of the libraries that shape the timings."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def run(backend, notebooks):
    """Benchmark the notebooks on one backend; return the JSON document."""
    document = {"backend": backend, "cores": psutil.cpu_count(logical=True),
                "versions": versions(), "machine": platform.platform(),
                "date": datetime.now().strftime("%Y-%m-%d"),
                "load_average_start": round(os.getloadavg()[0], 2),
                "calibration_start": calibrate(kernel_env(backend)), "notebooks": {}}
    print(f"[{backend}] machine speed: {document['calibration_start']}", flush=True)
    for path in notebooks:
        entry = run_notebook(path, backend)
        document["notebooks"][path.stem] = entry
        status = f"ERROR {entry['error']}" if "error" in entry else "ok"
        print(f"[{backend}] {path.stem}: {entry['seconds']:.0f}s "
              f"(longest cell {entry['longest_cell_seconds']:.0f}s), "
              f"peak {entry['peak_rss_mb']:.0f} MB, {status}", flush=True)
    document["load_average_end"] = round(os.getloadavg()[0], 2)
    document["calibration_end"] = calibrate(kernel_env(backend))
    document["flop_rate"] = measure_flop_rate(backend)
    unit = epoch_seconds(document)
    for entry in document["notebooks"].values():  # each entry keeps the speed it ran at
        entry["units"] = round(entry["seconds"] / unit, 1)
        entry["longest_cell_units"] = round(entry["longest_cell_seconds"] / unit, 1)
    document["total_seconds"] = round(sum(e["seconds"] for e in document["notebooks"].values()), 1)
    return document


def measure_flop_rate(backend):
    """benchmarks/flop_rate.py in a fresh process with the kernels' environment."""
    return run_script(Path(flop_rate.__file__), kernel_env(backend))


def epoch_seconds(document):
    """The run's reference unit: the calibration MLP's epoch, measured before and after."""
    return (document["calibration_start"]["mlp_epoch_seconds"]
            + document["calibration_end"]["mlp_epoch_seconds"]) / 2


def machines_seen():
    """Every machine in benchmarks/machines.json (none before the first calibrated run)."""
    return json.loads(MACHINES.read_text()) if MACHINES.is_file() else []


def remember_machine(document):
    """Add this run's calibration to benchmarks/machines.json; return every machine seen."""
    seen = machines_seen()
    seen.append({"date": document["date"], "machine": document["machine"],
                 "backend": document["backend"],
                 "gemm_gflops": document["calibration_start"]["gemm_gflops"],
                 "mlp_epoch_seconds": round(epoch_seconds(document), 2)})
    MACHINES.write_text(json.dumps(seen, indent=2) + "\n")
    return seen


def slowest_machine(backend):
    """The calibration of the slowest machine seen for ``backend`` (None before any)."""
    runs = [m for m in machines_seen() if m["backend"] == backend]
    return max(runs, key=lambda m: m["mlp_epoch_seconds"], default=None)


def budget_lines(backend, document):
    """The budgets checked at the slowest machine's speed: time in reference units x its
    MLP epoch (runs recorded before calibration have no units and are left out)."""
    slowest = slowest_machine(backend)
    entries = {s: e for s, e in document["notebooks"].items() if "units" in e}
    if slowest is None or not entries:
        return []
    unit = slowest["mlp_epoch_seconds"]
    here = document["calibration_start"]
    lines = [f"**{backend}, machine speed**: this run's calibration (`benchmarks/calibrate.py`, "
             f"before / after the notebooks): backend GEMM {here['gemm_gflops']:.0f} / "
             f"{document['calibration_end']['gemm_gflops']:.0f} GFLOP/s, reference MLP epoch "
             f"{here['mlp_epoch_seconds']:.2f} / {document['calibration_end']['mlp_epoch_seconds']:.2f} s "
             f"({here['mlp_gflops']:.0f} GFLOP/s). Times below are in reference units (MLP "
             f"epochs) and projected onto the slowest machine seen "
             f"({slowest['date']}, MLP epoch {unit:.2f} s, GEMM {slowest['gemm_gflops']:.0f} GFLOP/s; "
             f"`benchmarks/machines.json`).", "",
             "| notebook | s here | units | projected s | longest cell: units | projected s |",
             "|---|---|---|---|---|---|"]
    for stem, e in sorted(entries.items()):
        lines.append(f"| `{stem}` | {e['seconds']:.0f} | {e['units']:.1f} | "
                     f"{e['units'] * unit:.0f} | {e['longest_cell_units']:.1f} | "
                     f"{e['longest_cell_units'] * unit:.0f} |")
    total = sum(e["units"] for e in entries.values()) * unit
    longest = max(e["longest_cell_units"] for e in entries.values()) * unit
    slowest_nb = max(e["units"] for e in entries.values()) * unit
    lines += ["", f"At the slowest machine's speed: course {total / 60:.1f} min (under "
              f"{TOTAL_LIMIT_S // 60} min: {_check(total < TOTAL_LIMIT_S)}), slowest notebook "
              f"{slowest_nb / 60:.1f} min (under {NOTEBOOK_LIMIT_S // 60} min: "
              f"{_check(slowest_nb < NOTEBOOK_LIMIT_S)}), longest cell {longest:.0f} s (under "
              f"{CELL_LIMIT_S} s: {_check(longest < CELL_LIMIT_S)}).", ""]
    return lines


def merge(old, new):
    """``new``'s measurements on top of ``old``'s entries for the notebooks not re-run."""
    notebooks = {**old["notebooks"], **new["notebooks"]}
    merged = {**new, "notebooks": dict(sorted(notebooks.items()))}
    merged["total_seconds"] = round(sum(e["seconds"] for e in notebooks.values()), 1)
    return merged


def _fmt_results(results):
    return "<br>".join(f"{k} = {v:.4g}" for k, v in sorted(results.items())) or "–"


def _check(ok):
    return "yes" if ok else "**NO**"


def _targets_text(entries):
    """Which of course_lib.results.TARGETS the recorded results meet."""
    recorded = {k: v for e in entries.values() for k, v in e["results"].items()}
    missed = [t for t in TARGETS if not t.met(recorded)]
    text = f"targets met: {len(TARGETS) - len(missed)} of {len(TARGETS)}"
    for target in missed:
        value = target.value(recorded)
        text += f", **missed** `{target}` ({'not recorded' if value is None else f'{value:.4g}'})"
    return text


def markdown(documents):
    """RESULTS.md: one table, one column group per backend, totals and checks below."""
    backends = list(documents)
    stems = sorted({s for d in documents.values() for s in d["notebooks"]})
    first = documents[backends[0]]
    machines = {d["machine"] for d in documents.values()}
    machine = first["machine"] if len(machines) == 1 else "; ".join(
        f"{b} run on {documents[b]['machine']}" for b in backends)
    lines = ["# Course benchmark", "",
             f"Every notebook executed top to bottom in a fresh kernel by `benchmarks/run.py` "
             f"on {first['cores']} cores ({machine}). Seconds are wall time from "
             f"kernel start to the last cell; peak MB is the kernel's resident memory, "
             f"children included, polled every 0.2 s; private MB is its anonymous part, "
             f"without the libraries' file-backed pages (see benchmarks/kernel_memory.py).", ""]
    header = ["notebook"]
    for b in backends:
        header += [f"{b} s", f"{b} longest cell s", f"{b} peak MB", f"{b} private MB"]
    header += [f"key results ({b})" for b in backends]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for stem in stems:
        row, texts = [f"`{stem}`"], []
        for b in backends:
            entry = documents[b]["notebooks"].get(stem)
            if entry is None:
                row += ["–", "–", "–", "–"]
                texts.append("not run")
                continue
            cell = entry.get("longest_cell_seconds")
            row += [f"{entry['seconds']:.0f}",
                    "–" if cell is None else f"{cell:.0f} (cell {entry['longest_cell']})",
                    f"{entry['peak_rss_mb']:.0f}", _mb(entry.get("private_peak_mb"))]
            text = _fmt_results(entry["results"])
            texts.append(f"**error**: {entry['error']}" if "error" in entry else text)
        lines.append("| " + " | ".join(row + texts) + " |")
    total = ["**total**"]
    for b in backends:
        notebooks = documents[b]["notebooks"].values()
        total += [f"**{documents[b]['total_seconds']:.0f}**",
                  f"max {max((e.get('longest_cell_seconds', 0) for e in notebooks), default=0):.0f}",
                  f"max {max((e['peak_rss_mb'] for e in notebooks), default=0):.0f}",
                  f"max {_mb(max((e.get('private_peak_mb', 0) for e in notebooks), default=0))}"]
    lines += ["| " + " | ".join(total + [""] * len(backends)) + " |", ""]
    for b in backends:
        doc = documents[b]
        entries = doc["notebooks"]
        if not entries:
            continue
        slowest = max(entries, key=lambda s: entries[s]["seconds"])
        peak = max(e["peak_rss_mb"] for e in entries.values())
        private = max(e.get("private_peak_mb", 0) for e in entries.values())
        failed = [s for s, e in entries.items() if "error" in e]
        share = entries[slowest]["seconds"] / max(doc["total_seconds"], 1e-9)
        longest = max(e.get("longest_cell_seconds", 0) for e in entries.values())
        lines += [f"**{b}**: total {doc['total_seconds'] / 60:.1f} min "
                  f"(under {TOTAL_LIMIT_S // 60} min: {_check(doc['total_seconds'] < TOTAL_LIMIT_S)}); "
                  f"every notebook under {NOTEBOOK_LIMIT_S // 60} min: "
                  f"{_check(all(e['seconds'] < NOTEBOOK_LIMIT_S for e in entries.values()))}; "
                  f"longest cell {longest:.0f} s (under {CELL_LIMIT_S} s: "
                  f"{_check(longest < CELL_LIMIT_S)}); "
                  f"largest peak {peak:.0f} MB (every notebook under {PEAK_LIMIT_MB} MB: "
                  f"{_check(peak < PEAK_LIMIT_MB)}); largest private memory {_mb(private)} MB "
                  f"(every notebook under {PRIVATE_LIMIT_MB} MB: "
                  f"{_check(private < PRIVATE_LIMIT_MB) if private else 'not measured'}); "
                  f"slowest `{slowest}` "
                  f"({share:.0%} of the total); failed: {', '.join(failed) or 'none'}; "
                  f"{_targets_text(entries)}; "
                  f"load average {doc['load_average_start']} at start, "
                  f"{doc['load_average_end']} at end.", ""]
    for b in backends:
        lines += budget_lines(b, documents[b])
        if "flop_rate" in documents[b]:
            lines += flop_rate.markdown_lines(documents[b]["flop_rate"])
    for b in backends:  # memory of processes a notebook starts (e.g. a second backend)
        for stem, e in documents[b]["notebooks"].items():
            alone = e.get("kernel_only_peak_rss_mb", e["peak_rss_mb"])
            if e["peak_rss_mb"] - alone > 50:
                lines += [f"- {b}, `{stem}`: the kernel alone peaked at {alone:.0f} MB; "
                          f"the rest of its {e['peak_rss_mb']:.0f} MB is child processes."]
    lines.append("")
    seen = {json.dumps(documents[b]["versions"], sort_keys=True) for b in backends}
    for b in backends if len(seen) > 1 else backends[:1]:
        label = f" ({b} run)" if len(seen) > 1 else ""
        lines += [f"Versions{label}: " + ", ".join(
            f"{k} {v}" for k, v in documents[b]["versions"].items()), ""]
    return "\n".join(lines)


def write_markdown():
    """Render RESULTS.md from every results JSON present."""
    documents = {b: json.loads(p.read_text()) for b, p in RESULT_FILES.items() if p.is_file()}
    if documents:
        (HERE / "RESULTS.md").write_text(markdown(documents), encoding="utf-8")


def main(argv=None):
    """Run the benchmark for one backend and refresh the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"),
                        choices=sorted(RESULT_FILES))
    parser.add_argument("--merge", action="store_true",
                        help="keep the entries of notebooks not run this time")
    parser.add_argument("--flop-rate", action="store_true",
                        help="re-measure only the training rates (benchmarks/flop_rate.py)")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.flop_rate:
        document = json.loads(RESULT_FILES[args.backend].read_text())
        document["flop_rate"] = measure_flop_rate(args.backend)
        RESULT_FILES[args.backend].write_text(json.dumps(document, indent=2) + "\n")
        write_markdown()
        return
    notebooks = [p.resolve() for p in args.notebooks] or sorted(
        (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    document = run(args.backend, notebooks)
    if args.merge and RESULT_FILES[args.backend].is_file():
        document = merge(json.loads(RESULT_FILES[args.backend].read_text()), document)
    RESULT_FILES[args.backend].write_text(json.dumps(document, indent=2) + "\n")
    remember_machine(document)
    write_markdown()
    print(f"wrote {RESULT_FILES[args.backend].relative_to(ROOT)} and benchmarks/RESULTS.md "
          f"(total {document['total_seconds'] / 60:.1f} min)")
    if any("error" in e for e in document["notebooks"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
