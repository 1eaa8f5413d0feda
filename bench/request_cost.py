"""The request-level phases of bench/run.py: the broker's CPU per request, this tree against a baseline revision.

Each phase runs against one fresh broker and reads that broker's CPU-seconds (user + system,
psutil) around exactly counted requests (bench/wire.py: one request on the wire at a time):

- small produce: Produce of one 100-byte record per request, acks=1 (a producer with linger.ms=0
  and one request in flight);
- empty fetch: Fetch of an empty partition with max_wait_ms=0;
- 1 MiB fetch of small batches: Fetch of 1 MiB (fetch max bytes and partition max bytes) from a
  partition of one-record batches of about 170 bytes, and the same of two 1,000,000-byte batches;
- 1,000 partitions: CreateTopics of one topic of 1,000 partitions (wall time and broker CPU, the
  median of three such topics created one after another),
  Metadata for that topic (CPU and wall time per request), and confluent-kafka producing 100-byte
  messages spread over its partitions by librdkafka's partitioner (msg/s);
- perf tools: ``kcli producer-perf-test`` (100-byte records, acks=1, unthrottled) and
  ``kcli consumer-perf-test`` reading them back, this tree's tools against either broker (msg/s
  from their own summary lines).
"""

from __future__ import annotations

import math
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from wire import Connection, record_batch

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = b"x" * 100
MIB = 1 << 20
PARTITIONS = 1_000


@dataclass(frozen=True)
class Sizes:
    requests: int  # small produce, empty fetch
    fetches: int  # each 1 MiB fetch phase
    metadata: int
    spread: int  # messages produced over the 1,000 partitions
    perf_records: int  # producer-perf-test / consumer-perf-test
    creations: int  # topics of 1,000 partitions created, one at a time (the median is shown)

    @classmethod
    def for_run(cls, quick: bool, messages: int) -> "Sizes":
        if quick:
            return cls(requests=400, fetches=20, metadata=20, spread=min(messages, 20_000), perf_records=5_000, creations=1)
        return cls(requests=5_000, fetches=300, metadata=500, spread=messages, perf_records=100_000, creations=3)


def _timed(cpu: Callable[[], float], work: Callable[[], object], n: int) -> tuple[float, float]:
    """(broker CPU µs per request, wall µs per request) of ``work``, which sends ``n`` requests."""
    before, started = cpu(), time.perf_counter()
    work()
    return (cpu() - before) / n * 1e6, (time.perf_counter() - started) / n * 1e6


def _check(response, label: str) -> None:
    codes = re.findall(r"error_code=(-?\d+)", str(response))
    if any(c != "0" for c in codes):
        raise SystemExit(f"{label}: the broker answered {response}")


def small_produce(c: Connection, cpu, sizes: Sizes) -> dict:
    _check(c.create_topics({"small-produce": 1}), "CreateTopics")
    frame = c.produce_frame("small-produce", 0, record_batch(PAYLOAD))
    c.repeat(frame, sizes.requests // 5)  # warm-up
    cpu_us, wall_us = _timed(cpu, lambda: c.repeat(frame, sizes.requests), sizes.requests)
    return {"small_produce_cpu_us": cpu_us, "small_produce_wall_us": wall_us}


def empty_fetch(c: Connection, cpu, sizes: Sizes) -> dict:
    _check(c.create_topics({"empty-fetch": 1}), "CreateTopics")
    _check(c.fetch("empty-fetch", 0, 0, MIB), "Fetch")
    frame = c.fetch_frame("empty-fetch", 0, 0, MIB)
    c.repeat(frame, sizes.requests // 5)
    cpu_us, wall_us = _timed(cpu, lambda: c.repeat(frame, sizes.requests), sizes.requests)
    return {"empty_fetch_cpu_us": cpu_us, "empty_fetch_wall_us": wall_us}


def _fetch_mib(c: Connection, cpu, topic: str, batch: bytes, count: int, n: int) -> float:
    """Broker CPU ms per 1 MiB fetch from a partition of ``count`` copies of ``batch``."""
    _check(c.create_topics({topic: 1}), "CreateTopics")
    c.pipeline([c.produce_frame(topic, 0, batch)] * count)
    response = c.fetch(topic, 0, 0, MIB)
    _check(response, "Fetch")
    returned = len(response.responses[0].partitions[0].records or b"")
    if returned < MIB * 0.9:
        raise SystemExit(f"a 1 MiB fetch of {topic} returned {returned} bytes")
    frame = c.fetch_frame(topic, 0, 0, MIB)
    c.repeat(frame, max(1, n // 5))
    return _timed(cpu, lambda: c.repeat(frame, n), n)[0] / 1000


def fetch_small_batches(c: Connection, cpu, sizes: Sizes) -> dict:
    batch = record_batch(PAYLOAD)
    count = math.ceil(MIB / len(batch)) + 16
    return {"fetch_mib_small_batches_cpu_ms": _fetch_mib(c, cpu, "fetch-small", batch, count, sizes.fetches)}


def fetch_big_batches(c: Connection, cpu, sizes: Sizes) -> dict:
    batch = record_batch(os.urandom(1_000_000))
    return {"fetch_mib_big_batches_cpu_ms": _fetch_mib(c, cpu, "fetch-big", batch, 2, sizes.fetches)}


def many_partitions(c: Connection, cpu, sizes: Sizes, bootstrap: str) -> dict:
    from confluent_kafka import Producer

    walls, cpus = [], []
    for name in ["partitions-1000"] + [f"partitions-1000-{i}" for i in range(1, sizes.creations)]:
        before, started = cpu(), time.perf_counter()
        _check(c.create_topics({name: PARTITIONS}), "CreateTopics")
        walls.append(time.perf_counter() - started)
        cpus.append(cpu() - before)
    out = {"create_1000_wall_s": statistics.median(walls), "create_1000_cpu_s": statistics.median(cpus)}
    frame = c.metadata_frame(["partitions-1000"])
    c.repeat(frame, max(1, sizes.metadata // 5))
    out["metadata_1000_cpu_ms"], wall_us = _timed(cpu, lambda: c.repeat(frame, sizes.metadata), sizes.metadata)
    out["metadata_1000_cpu_ms"] /= 1000
    out["metadata_1000_wall_ms"] = wall_us / 1000
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "1", "linger.ms": 5,
                         "queue.buffering.max.messages": 1_000_000})
    producer.list_topics("partitions-1000", timeout=10)
    before, started = cpu(), time.perf_counter()
    for _ in range(sizes.spread):
        while True:
            try:
                producer.produce("partitions-1000", PAYLOAD)
                break
            except BufferError:
                producer.poll(0.005)
    if producer.flush(300) != 0:
        raise SystemExit("the produce over 1,000 partitions did not finish")
    out["produce_1000_msgs"] = sizes.spread / (time.perf_counter() - started)
    out["produce_1000_cpu_s_per_1m"] = (cpu() - before) / sizes.spread * 1e6
    return out


PRODUCER_TOTAL = re.compile(  # the summary line, not a 5-second window's
    r"^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, \d+ ms 50th",
    re.M)


def _kcli(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this tree's tools, whichever broker they measure
    done = subprocess.run([sys.executable, "-m", "kcli", *args], capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"kcli {args[0]} failed: {done.stderr[-1000:]}")
    return done.stdout


def perf_tools(bootstrap: str, cpu, sizes: Sizes) -> dict:
    n = str(sizes.perf_records)
    before = cpu()
    produced = _kcli("producer-perf-test", "--topic", "perf-test", "--num-records", n, "--record-size", "100",
                     "--throughput", "-1", "--producer-props", f"bootstrap.servers={bootstrap}", "acks=1")
    out = {"perf_produce_cpu_s_per_1m": (cpu() - before) / sizes.perf_records * 1e6}
    total = PRODUCER_TOTAL.search(produced)
    if total is None or total.group(1) != n:
        raise SystemExit(f"producer-perf-test printed no summary of {n} records: {produced[-500:]}")
    out["perf_produce_msgs"], out["perf_produce_avg_latency_ms"] = float(total.group(2)), float(total.group(4))
    consumed = _kcli("consumer-perf-test", "--bootstrap-server", bootstrap, "--topic", "perf-test", "--messages", n,
                     "--hide-header", "--timeout", "30000")
    fields = consumed.strip().splitlines()[-1].split(", ")
    if fields[4] != n:
        raise SystemExit(f"consumer-perf-test read {fields[4]} of {n} records")
    out["perf_consume_msgs"] = float(fields[9])  # fetch.nMsg.sec: the rate once the group is joined
    return out


def run_phases(bootstrap: str, cpu: Callable[[], float], sizes: Sizes) -> dict:
    """Every request-level figure against the broker at ``bootstrap`` whose CPU-seconds ``cpu`` reads."""
    c = Connection(bootstrap)
    try:
        out: dict = {}
        for phase in (small_produce, empty_fetch, fetch_small_batches, fetch_big_batches):
            out.update(phase(c, cpu, sizes))
        out.update(many_partitions(c, cpu, sizes, bootstrap))
    finally:
        c.close()
    out.update(perf_tools(bootstrap, cpu, sizes))
    return out
