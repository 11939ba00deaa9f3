"""Run `make TARGET` for each phase in order, then print how long each took and how it ended.

`make test` runs its phases through this, so CI's log ends with the table (also written to
--summary) even when a phase fails; then the later phases are not run and the exit status is
the failed phase's.

Usage: python scripts/phases.py [--make MAKE] [--summary FILE] TARGET ...
"""

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path


def clock(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"


def summary(rows, total):
    """The table: one line per phase (name, wall time, status) and the total."""
    width = max(len(name) for name, _, _ in rows + [("total", 0, "")])
    lines = [f"{'phase':<{width}}  wall time  status"]
    lines += [f"{name:<{width}}  {'-' if seconds is None else clock(seconds):>9}  {status}"
              for name, seconds, status in rows]
    lines.append(f"{'total':<{width}}  {clock(total):>9}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--make", default="make", help="the make command (Make's $(MAKE))")
    parser.add_argument("--summary", type=Path, help="also write the table to this file")
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args(argv)
    rows, failed, start = [], 0, time.monotonic()
    for target in args.targets:
        if failed:
            rows.append((target, None, "not run"))
            continue
        print(f"==> make {target}", flush=True)
        begin = time.monotonic()
        failed = subprocess.run([*shlex.split(args.make), target]).returncode
        rows.append((target, time.monotonic() - begin,
                     f"FAILED (exit {failed})" if failed else "ok"))
    table = summary(rows, time.monotonic() - start)
    print(f"\n{table}", flush=True)
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(table + "\n")
    return failed


if __name__ == "__main__":
    sys.exit(main())
