"""Log volume by segment size: N × 100 B produced and consumed with 1 GiB segments (the default) and 100 MiB ones.

    python bench/segment_size.py [--records N] [--rounds R] [--baseline REV]

Issue 13 saw 20M records produced at 114k msg/s and consumed at 154k msg/s with the default 1 GiB
``log.segment.bytes``, against 226k and 346k with 100 MiB segments. Each configuration gets a fresh broker
(port 0, temporary data directory, ``log.segment.bytes`` set or left alone) and a one-partition topic; kcat
(a C client, so that the client is not the bottleneck) produces ``--records`` 100-byte records to it from a
file (``linger.ms=5``, acks=1) and then consumes them from the beginning to the end (``-e``). Both are timed
from kcat's launch to its exit; the broker's CPU (user + system, psutil) is taken around each. The
configurations take turns, the order reversed every round, so a busy moment of a shared machine falls on
both; the median of ``--rounds`` is printed. With ``--baseline REV`` that revision's broker is measured too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slow_readers import ROOT, Broker, baseline_source  # noqa: E402
from wire import Connection  # noqa: E402

TOPIC = "volume"
SIZES = {"1 GiB": None, "100 MiB": 100 * (1 << 20)}


def run_one(source: Path, segment_bytes: int | None, records: Path, n: int, work: Path) -> dict:
    overrides = {} if segment_bytes is None else {"log.segment.bytes": str(segment_bytes)}
    broker = Broker(work / "logs", source, overrides)
    try:
        c = Connection(broker.bootstrap)
        c.create_topics({TOPIC: 1})
        c.close()
        cpu = broker.cpu_seconds()
        began = time.perf_counter()
        with open(records, "rb") as lines:
            subprocess.run(["kcat", "-P", "-b", broker.bootstrap, "-t", TOPIC, "-p", "0", "-X", "linger.ms=5",
                            "-X", "queue.buffering.max.messages=1000000"], stdin=lines, check=True, timeout=1800)
        produce_s, produce_cpu = time.perf_counter() - began, broker.cpu_seconds() - cpu
        cpu = broker.cpu_seconds()
        began = time.perf_counter()
        out = subprocess.run(["kcat", "-C", "-b", broker.bootstrap, "-t", TOPIC, "-p", "0", "-o", "beginning", "-e",
                              "-q", "-f", "\n"], stdout=subprocess.PIPE, check=True, timeout=1800).stdout
        consume_s, consume_cpu = time.perf_counter() - began, broker.cpu_seconds() - cpu
        consumed = out.count(b"\n")
        segments = len(list((work / "logs" / f"{TOPIC}-0").glob("*.log")))
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)
    if consumed != n:
        raise SystemExit(f"consumed {consumed} of {n} records")
    return {"produce": n / produce_s, "consume": n / consume_s, "produce_cpu": produce_cpu, "consume_cpu": consume_cpu,
            "segments": segments}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline", default="none", help="git revision measured too (default: none)")
    args = parser.parse_args()
    if not shutil.which("kcat"):
        raise SystemExit("needs kcat")
    with tempfile.TemporaryDirectory(prefix="kcli-bench-volume-") as tmp_name:
        tmp = Path(tmp_name)
        sources = {"this tree": ROOT}
        if args.baseline != "none":
            sources["baseline"] = tmp / "baseline"
            sources["baseline"].mkdir()
            baseline_source(args.baseline, sources["baseline"])
        records = tmp / "records.txt"
        records.write_bytes((b"x" * 100 + b"\n") * args.records)
        configs = [(side, size) for side in sources for size in SIZES]
        trials: dict[tuple[str, str], list[dict]] = {config: [] for config in configs}
        for r in range(args.rounds):
            for side, size in configs if r % 2 == 0 else configs[::-1]:
                trials[(side, size)].append(run_one(sources[side], SIZES[size], records, args.records, tmp / "work"))
                print(side, size, trials[(side, size)][-1], flush=True)
    print(f"{args.records:,} × 100 B, one partition, kcat; median of {args.rounds} round(s) (a shared machine)")
    print(f"{'broker':<12}{'segments':>10}{'produce msg/s':>16}{'consume msg/s':>16}{'CPU s/1M prod':>16}{'CPU s/1M cons':>16}")
    for (side, size), values in trials.items():
        def med(key: str) -> float:
            return statistics.median(v[key] for v in values)
        million = args.records / 1e6
        print(f"{side:<12}{size:>10}{med('produce'):>16,.0f}{med('consume'):>16,.0f}"
              f"{med('produce_cpu') / million:>16.2f}{med('consume_cpu') / million:>16.2f}")


if __name__ == "__main__":
    main()
