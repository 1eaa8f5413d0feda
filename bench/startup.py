"""kcli's first keystrokes: how long a command takes to start, next to ``python -c pass`` in the same run.

    python bench/startup.py [--runs N]

Times, as a user's shell would launch them (wall clock, from spawn to exit, output discarded):
``python -c pass`` (the floor: the interpreter and its site-packages alone), ``kcli --help``, one bash
completion call (what each Tab runs), and ``kcli topics --list`` against a kcli broker this script
starts (port 0, temporary data directory). The commands take turns, ``--runs`` rounds (default 15),
so that a busy machine slows them alike; the table shows each one's median and fastest run and its
median over the floor's. Also the broker's own ``ready in`` figure next to the time from its launch
to its ``started`` line. Target: ``kcli --help`` within 6x of ``python -c pass``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

STARTED = re.compile(r"started on (\S+):(\d+)")
READY = re.compile(r"ready in\s+(\d+) ms")
HELP_TARGET = 6.0


def _kcli() -> list[str]:
    """The ``kcli`` console script of this interpreter's environment (what a user types), else ``python -m kcli``."""
    script = Path(sys.executable).parent / ("kcli.exe" if os.name == "nt" else "kcli")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kcli"]


def _timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    began = time.perf_counter()
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=120)
    elapsed = (time.perf_counter() - began) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def _start_broker(log_dir: Path) -> tuple[subprocess.Popen, str, float, float]:
    """``kcli server-start`` on port 0: the process, its bootstrap address, launch → ``started`` (ms), its banner's ``ready in``."""
    launched = time.perf_counter()
    proc = subprocess.Popen(
        [*_kcli(), "server-start", "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", f"log.dirs={log_dir}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    ready = None
    assert proc.stderr is not None
    for line in proc.stderr:
        if m := READY.search(line):
            ready = float(m.group(1))
        if m := STARTED.search(line):
            started = (time.perf_counter() - launched) * 1000
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep its log from filling the pipe
            return proc, f"{m.group(1)}:{m.group(2)}", started, ready or float("nan")
    proc.kill()
    raise SystemExit("kcli server-start exited before its started line")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="kcli's start-up times next to python -c pass, in one run.")
    parser.add_argument("--runs", type=int, default=15, help="rounds of every command (default 15)")
    args = parser.parse_args(argv)
    kcli = _kcli()
    complete_env = {**os.environ, "_KCLI_COMPLETE": "complete_bash", "COMP_WORDS": "kcli topics --", "COMP_CWORD": "2"}
    with tempfile.TemporaryDirectory(prefix="kcli-bench-startup-") as work:
        broker, bootstrap, launch_to_started, ready_in = _start_broker(Path(work) / "kafka-logs")
        try:
            commands = {
                "python -c pass": ([sys.executable, "-c", "pass"], None),
                "kcli --help": ([*kcli, "--help"], None),
                "completion (one Tab)": (kcli, complete_env),
                "kcli topics --list": ([*kcli, "topics", "--list", "--bootstrap-server", bootstrap], None),
            }
            times: dict[str, list[float]] = {name: [] for name in commands}
            for name, (command, env) in commands.items():  # one warm-up each: file caches, .pyc
                _timed(command, env)
            for _ in range(args.runs):
                for name, (command, env) in commands.items():
                    times[name].append(_timed(command, env))
        finally:
            broker.terminate()
            broker.wait(30)
    floor = statistics.median(times["python -c pass"])
    print(f"kcli start-up, {args.runs} rounds, {sys.platform}, Python {sys.version.split()[0]} ({os.cpu_count()} CPUs)")
    print(f"{'command':<24}{'median ms':>11}{'fastest ms':>12}{'x python -c pass':>18}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<24}{median:>11.1f}{min(values):>12.1f}{median / floor:>18.1f}")
    ratio = statistics.median(times["kcli --help"]) / floor
    print(f"target: kcli --help within {HELP_TARGET:.0f}x of python -c pass: {ratio:.1f}x, {'met' if ratio <= HELP_TARGET else 'NOT met'}")
    print(f"server-start: launch to 'started' line {launch_to_started:.0f} ms; its banner said 'ready in {ready_in:.0f} ms' (from process start)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
