"""What a restart costs with a large log: after a clean stop, and after ``kill -9``.

    python bench/restart.py [--gigabytes G] [--segment-bytes B] [--batch-records N] [--trials T]

Writes G GiB (default 1.95, so the active segment is almost full) into one
partition of a fresh log directory (put it on the disk you care about with
TMPDIR) with kcli's own Partition, in batches of N 1 KiB records (default 16,
about librdkafka's batches under load), in segments of B bytes (default
Kafka's 1 GiB), and closes it cleanly. Then, T times each:

* clean: ``kcli server-start`` on it (port 0) → time from launch to its
  ``started`` line; stopped with SIGTERM (a clean stop);
* kill -9: the broker is started, one record produced (confluent-kafka), the
  broker killed with SIGKILL, then started again → the same time, for that
  second start.

For reference, the same launch on an empty log directory (Python's start-up and
kcli's imports). Each start's banner says how many segments it reread past
their recovery point; the script reports that too. Prints the median and each
trial.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from kafka.record.memory_records import MemoryRecordsBuilder

from kcli.broker.log.catalog import Catalog

STARTED = re.compile(r"started on (\S+):(\d+)")
RECOVERED = re.compile(r"(\d+) segments past their recovery point reread")
RECORD = b"r" * 1000


class Launch:
    """``python -m kcli server-start`` on ``log_dir``; ``ready_ms``, ``bootstrap`` and the recovered segment count."""

    def __init__(self, log_dir: Path):
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kcli", "server-start", "--override", "listeners=PLAINTEXT://127.0.0.1:0",
             "--override", f"log.dirs={log_dir}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "COLUMNS": "400"},  # the banner's recovery line on one line
        )
        self.recovered = 0
        for line in self.proc.stderr:
            recovered = RECOVERED.search(line)
            if recovered:
                self.recovered = int(recovered.group(1))
            match = STARTED.search(line)
            if match:
                self.ready_ms = (time.perf_counter() - started) * 1000
                self.bootstrap = f"{match.group(1)}:{match.group(2)}"
                break
        else:
            raise SystemExit(f"the broker exited with {self.proc.wait()} before its 'started' line")
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(120)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(30)


def write_log(log_dir: Path, gigabytes: float, segment_bytes: int, batch_records: int) -> int:
    """G GiB in one partition, written by kcli's Partition and closed cleanly; the bytes written."""
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 30)
    now = int(time.time() * 1000)
    for _ in range(batch_records):
        builder.append(timestamp=now, key=None, value=RECORD, headers=[])
    builder.close()
    batch = bytes(builder.buffer())
    catalog = Catalog(log_dir, {"log.segment.bytes": str(segment_bytes)})
    catalog.open(0)
    partition = catalog.create("big", 1, {}).partitions[0]
    total = int(gigabytes * (1 << 30))
    written = 0
    while written < total:
        partition.append(batch, now_ms=now)
        written += len(batch)
    catalog.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.95)
    parser.add_argument("--segment-bytes", type=int, default=1 << 30)
    parser.add_argument("--batch-records", type=int, default=16)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()

    from confluent_kafka import Producer

    tmp = Path(tempfile.mkdtemp(prefix="kcli-restart-"))
    try:
        log_dir = tmp / "kafka-logs"
        began = time.perf_counter()
        written = write_log(log_dir, args.gigabytes, args.segment_bytes, args.batch_records)
        sizes = [p.stat().st_size for p in sorted((log_dir / "big-0").glob("*.log"))]
        print(f"wrote {written / (1 << 30):.2f} GiB in {len(sizes)} segments (active {sizes[-1] / (1 << 20):.0f} MiB), "
              f"{args.batch_records} records a batch, in {time.perf_counter() - began:.1f} s")

        figures: dict[str, list[tuple[float, int]]] = {"empty log directory": [], "after a clean stop": [], "after kill -9": []}
        for _ in range(args.trials):
            empty = Launch(tmp / f"empty-{len(figures['empty log directory'])}")
            figures["empty log directory"].append((empty.ready_ms, empty.recovered))
            empty.stop()

            clean = Launch(log_dir)
            figures["after a clean stop"].append((clean.ready_ms, clean.recovered))
            producer = Producer({"bootstrap.servers": clean.bootstrap, "linger.ms": 0})
            producer.produce("big", value=b"one more")
            producer.flush(30)
            clean.kill()  # kill -9 right after an acknowledged produce

            crashed = Launch(log_dir)
            figures["after kill -9"].append((crashed.ready_ms, crashed.recovered))
            crashed.stop()  # a clean stop again for the next trial

        for name, runs in figures.items():
            times = ", ".join(f"{ms:.0f}" for ms, _ in runs)
            recovered = sorted({n for _, n in runs})
            print(f"{name:22} median {statistics.median(ms for ms, _ in runs):8.0f} ms   "
                  f"segments recovered {recovered}   trials: {times} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
