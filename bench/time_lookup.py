"""Cost of ListOffsets by time and max-timestamp on one large segment (kcli/broker/log/time_index.py).

    python bench/time_lookup.py [--batches N] [--repeat R]

Writes N batches of one 1,000-byte record, stamped 1 ms apart, into a partition
with Kafka's defaults (1 GiB segments, index.interval.bytes 4096), then times
``offset_for_timestamp`` for targets at the start, middle and end of the
segment and ``max_timestamp_offset``, next to what answering without the time
index costs: reading the segment's batch headers from its start up to the
target (how kcli answered before). Prints microseconds per lookup (best of R)
and the batch headers each lookup read.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kafka.record.memory_records import MemoryRecordsBuilder

from kcli.broker.log.partition import LogConfig, Partition

BASE = 1_700_000_000_000


def batch(timestamp: int) -> bytes:
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    builder.append(timestamp=timestamp, key=None, value=b"x" * 1000, headers=[])
    builder.close()
    return bytes(builder.buffer())


def best(repeat: int, call) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        p = Partition.open(Path(tmp) / "t-0", "t", 0, LogConfig(), recover=False)
        for i in range(args.batches):
            p.append(batch(BASE + i), now_ms=0)
        segment = p.active
        print(f"{segment.size / 1e6:.1f} MB, {args.batches} batches, {len(segment.index)} offset and "
              f"{len(segment.time_index)} time index entries")
        for name, target in (("start", BASE + 10), ("middle", BASE + args.batches // 2), ("end", BASE + args.batches - 10)):
            before = segment.timestamp_scan_batches
            indexed = best(args.repeat, lambda t=target: p.offset_for_timestamp(t))
            read = (segment.timestamp_scan_batches - before) // args.repeat
            scan = best(max(args.repeat // 10, 1), lambda t=target: next(h for h in segment._headers(0, validate=False) if h.max_timestamp >= t))
            print(f"by time, {name:6}: {indexed:8.1f} µs ({read} headers read); headers from the start: {scan:10.1f} µs")
        before = segment.timestamp_scan_batches
        top = best(args.repeat, p.max_timestamp_offset)
        print(f"max-timestamp   : {top:8.1f} µs ({(segment.timestamp_scan_batches - before) // args.repeat} headers read)")
        p.close()


if __name__ == "__main__":
    main()
