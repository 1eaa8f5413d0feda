"""Produce throughput of this tree against another revision, measured in the same run.

    python bench/produce_ab.py [--baseline REV] [--messages N] [--trials T]

Extracts ``kcli/`` of REV (default ``main``) with ``git archive`` into a temporary
directory, then alternates trials: one broker from that copy, one from this
tree, each a fresh ``python -m kcli server-start`` (port 0, its own temporary
log directory). A trial is bench/run.py's produce figure — one confluent-kafka
producer, N × 100 B, acks=1, ``linger.ms=5``, a 100k-message warm-up first —
plus the broker's CPU-seconds per million messages. Prints every trial and the
ratio of the medians (this tree / baseline). The machine may be shared: compare
only figures from one run.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench_run():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def trial(run, source: Path, tmp: Path, n: int) -> tuple[float, float]:
    """(msg/s, broker CPU-s per 1M) of one fresh broker whose ``kcli`` package is under ``source``."""
    broker = run.BrokerProcess(Path(tempfile.mkdtemp(dir=tmp)), pythonpath=source)
    try:
        run.create_topics(broker.bootstrap, ["warmup", "measured"], mock=False)
        run.produce(broker.bootstrap, "warmup", min(n, 100_000), "1")
        before = broker.cpu_seconds()
        rate = run.produce(broker.bootstrap, "measured", n, "1")
        return rate, (broker.cpu_seconds() - before) / n * 1_000_000
    finally:
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with (default main)")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--trials", type=int, default=2, help="trials per side, alternating (default 2)")
    args = parser.parse_args()
    run = _bench_run()
    results: dict[str, list[tuple[float, float]]] = {"baseline": [], "this tree": []}
    with tempfile.TemporaryDirectory(prefix="kcli-ab-") as tmp:
        baseline = Path(tmp) / "baseline"
        baseline.mkdir()
        run.baseline_source(args.baseline, baseline)
        for i in range(args.trials):
            for side, source in (("baseline", baseline), ("this tree", ROOT)):
                rate, cpu = trial(run, source, Path(tmp), args.messages)
                results[side].append((rate, cpu))
                print(f"trial {i + 1} {side:9}  {rate:>10,.0f} msg/s  broker CPU {cpu:.3f} s/1M", flush=True)
    medians = {side: (statistics.median(r for r, _ in v), statistics.median(c for _, c in v)) for side, v in results.items()}
    for side, (rate, cpu) in medians.items():
        print(f"median {side:9}  {rate:>10,.0f} msg/s  broker CPU {cpu:.3f} s/1M")
    print(f"ratio this tree / baseline: throughput {medians['this tree'][0] / medians['baseline'][0]:.3f}, "
          f"broker CPU {medians['this tree'][1] / medians['baseline'][1]:.3f}")


if __name__ == "__main__":
    main()
