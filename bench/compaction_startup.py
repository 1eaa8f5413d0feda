"""Broker start-up time after many offset commits, before and after __consumer_offsets is compacted.

    python bench/compaction_startup.py [--commits 1000000] [--keys 100] [--segment-bytes 10485760]

Writes ``--commits`` offset commits (one record each, spread over ``--keys``
group/partition keys) into ``__consumer_offsets`` through the broker's own
GroupMetadataManager, so the log is byte for byte what commits over the wire
would leave, with ``offsets.topic.segment.bytes`` as given. Then, in a
temporary directory:

* before: a broker starts with ``log.cleaner.enable=false``; the time from
  start to accepting connections and the records its replay read;
* compaction: a broker starts with the cleaner on
  (``log.cleaner.min.cleanable.ratio=0.01``, ``log.cleaner.backoff.ms=100``)
  and runs until the cleaner checkpoint reaches the active segment; its
  cleaning time and how long the event loop waited on each of its steps
  (median, p99, longest, with the load average: on a shared machine the
  longest is the scheduler's) are printed;
* after: a broker starts again; the same two figures.

Start-up includes opening the logs (a clean shutdown each time) and the
replay. The active segment is never cleaned, so its records are replayed
either way; the figures are for this machine only.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kcli.broker.config import BrokerConfig
from kcli.broker.group.metadata import CommittedOffset
from kcli.broker.group.metadata_manager import GroupMetadataManager
from kcli.broker.log.catalog import Catalog
from kcli.broker.server import run_in_thread


def write_commits(log_dir: Path, commits: int, keys: int, props: dict[str, str]) -> None:
    catalog = Catalog(log_dir, props)
    catalog.open(0)
    manager = GroupMetadataManager(catalog, 1, props["offsets.topic.segment.bytes"])
    now = int(time.time() * 1000)
    for n in range(commits):
        key = n % keys
        records = manager.commit_records(f"group-{key % 10}", {("topic", key): CommittedOffset(n, -1, "", now)})
        manager.append(f"group-{key % 10}", records, now)
    catalog.close()


class GcPauses:
    """The longest pause of Python's cyclic garbage collector while ``active`` (it stops every thread)."""

    def __init__(self):
        self.active = False
        self.longest_ms = 0.0
        self._began = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase, info):
        if phase == "start":
            self._began = time.perf_counter()
        elif self.active:
            self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._began) * 1000)


def start(props: dict[str, str]):
    began = time.perf_counter()
    running = run_in_thread(BrokerConfig.from_properties(props))
    return running, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--segment-bytes", type=int, default=10 * 1024 * 1024)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp) / "kafka-logs"
        props = {"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": str(log_dir),
                 "offsets.topic.segment.bytes": str(args.segment_bytes)}
        began = time.perf_counter()
        write_commits(log_dir, args.commits, args.keys, props)
        print(f"wrote {args.commits:,} commits over {args.keys} keys in {time.perf_counter() - began:.1f} s")

        running, before = start({**props, "log.cleaner.enable": "false"})
        replayed_before = running.broker.state.groups.manager.records_replayed
        running.stop()

        running, _ = start({**props, "log.cleaner.min.cleanable.ratio": "0.01", "log.cleaner.backoff.ms": "100"})
        gc_pauses = GcPauses()
        gc_pauses.active = True
        partition = running.broker.catalog.partition("__consumer_offsets", 0)
        cleaner = running.broker.cleaner
        began = time.perf_counter()
        while cleaner.checkpoints.get(("__consumer_offsets", 0)) != partition.active.base_offset:
            time.sleep(0.1)
        cleaning = time.perf_counter() - began
        gc_pauses.active = False
        steps = sorted(cleaner.step_ms)
        segments = len(partition.segments)
        running.stop()

        running, after = start(props)
        replayed_after = running.broker.state.groups.manager.records_replayed
        running.stop()

    print(f"cleaning (cleaner on the event loop, bounded steps): {cleaning:.1f} s, {segments} segments left")
    print(f"the event loop's wait on each of its {len(steps):,} steps: median {statistics.median(steps):.2f} ms, "
          f"p99 {steps[int(len(steps) * 0.99)]:.1f} ms, longest {steps[-1]:.1f} ms "
          f"(longest garbage-collector pause meanwhile {gc_pauses.longest_ms:.1f} ms; load average {os.getloadavg()[0]:.1f})")
    print(f"{'':24}{'start-up (s)':>14}{'records replayed':>18}")
    print(f"{'before compaction':24}{before:>14.2f}{replayed_before:>18,}")
    print(f"{'after compaction':24}{after:>14.2f}{replayed_after:>18,}")


if __name__ == "__main__":
    main()
