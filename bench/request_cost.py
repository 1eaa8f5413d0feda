"""The request-level phases of bench/run.py: the broker's CPU per request, this tree against a baseline revision.

The brokers compared run at the same time (fresh ones each round), and every phase reads each
broker's CPU-seconds around exactly counted requests (bench/wire.py: one request on the wire at a
time). The counted phases are cut in BLOCKS blocks that the brokers take in turn, the first broker
alternating, so a busy moment of a shared machine falls on both alike:

- small produce: Produce of one 100-byte record per request, acks=1 (a producer with linger.ms=0
  and one request in flight);
- empty fetch: Fetch of an empty partition with max_wait_ms=0;
- the floor under both: bench/floor_server.py, an asyncio server that reads the same frames as the broker
  does and answers fixed bytes, taking the same blocks (its CPU per request is the event loop's and the
  kernel's share, which moves with the machine's state: about 13 µs with the cores busy, 31 µs idle here),
  and under the 1 MiB fetch of 1 MB batches the same server answering with 1 MiB by sendfile;
- 1 MiB fetch of small batches: Fetch of 1 MiB (fetch max bytes and partition max bytes) from a
  partition of one-record batches of about 170 bytes, and the same of two 1,000,000-byte batches;
- 1,000 partitions: CreateTopics of one topic of 1,000 partitions (wall time and broker CPU, the
  median of ``creations`` such topics, the brokers taking turns), Metadata for that topic (CPU and
  wall time per request, counted as above), and confluent-kafka producing 100-byte messages spread
  over its partitions by librdkafka's partitioner (msg/s), one broker after the other;
- perf tools: ``kcli producer-perf-test`` (100-byte records, acks=1, unthrottled) and
  ``kcli consumer-perf-test`` reading them back, this tree's tools against each broker in turn
  (msg/s from their own summary lines).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import psutil
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
        return cls(requests=5_000, fetches=300, metadata=500, spread=messages, perf_records=100_000, creations=5)


BLOCKS = 10  # each counted phase is cut in this many blocks, taken in turn by the brokers compared


@dataclass(frozen=True)
class Probe:
    """A counted phase: ``frame`` sent ``count`` times; figures ``<key>_cpu_<unit>`` and, with ``wall``, ``<key>_wall_<unit>``."""

    key: str
    frame: bytes
    count: int
    unit: str  # "us" or "ms"
    wall: bool = True


def _check(response, label: str) -> None:
    codes = re.findall(r"error_code=(-?\d+)", str(response))
    if any(c != "0" for c in codes):
        raise SystemExit(f"{label}: the broker answered {response}")


def _filled(c: Connection, topic: str, batch: bytes, count: int) -> bytes:
    """A topic holding ``count`` copies of ``batch``; the frame of a 1 MiB Fetch from its start."""
    _check(c.create_topics({topic: 1}), "CreateTopics")
    c.pipeline([c.produce_frame(topic, 0, batch)] * count)
    response = c.fetch(topic, 0, 0, MIB)
    _check(response, "Fetch")
    returned = len(response.responses[0].partitions[0].records or b"")
    if returned < MIB * 0.9:
        raise SystemExit(f"a 1 MiB fetch of {topic} returned {returned} bytes")
    return c.fetch_frame(topic, 0, 0, MIB)


def probes(c: Connection, sizes: Sizes) -> list[Probe]:
    """The counted phases' topics, filled, and their frames (the 1,000-partition topic must exist already)."""
    _check(c.create_topics({"small-produce": 1, "empty-fetch": 1}), "CreateTopics")
    _check(c.fetch("empty-fetch", 0, 0, MIB), "Fetch")
    small = record_batch(PAYLOAD)
    out = [
        Probe("small_produce", c.produce_frame("small-produce", 0, small), sizes.requests, "us"),
        Probe("empty_fetch", c.fetch_frame("empty-fetch", 0, 0, MIB), sizes.requests, "us"),
        Probe("fetch_mib_small_batches", _filled(c, "fetch-small", small, math.ceil(MIB / len(small)) + 16), sizes.fetches, "ms", False),
        Probe("fetch_mib_big_batches", _filled(c, "fetch-big", record_batch(os.urandom(1_000_000)), 2), sizes.fetches, "ms", False),
        Probe("metadata_1000", c.metadata_frame(["partitions-1000"]), sizes.metadata, "ms"),
    ]
    for probe in out:
        c.repeat(probe.frame, max(1, probe.count // 5))  # warm-up
    return out


def _turns(sides: list[str], i: int) -> list[str]:
    return sides if i % 2 == 0 else sides[::-1]


def create_topics(brokers: dict[str, "Side"], sizes: Sizes) -> dict[str, dict]:
    """CreateTopics of one topic of 1,000 partitions, ``sizes.creations`` times per broker, the brokers taking turns."""
    walls: dict[str, list[float]] = {side: [] for side in brokers}
    cpus: dict[str, list[float]] = {side: [] for side in brokers}
    first = {side: b.cpu() for side, b in brokers.items()}
    for i in range(sizes.creations):
        name = "partitions-1000" if i == 0 else f"partitions-1000-{i}"
        for side in _turns(list(brokers), i):
            b = brokers[side]
            before, started = b.cpu(), time.perf_counter()
            _check(b.connection.create_topics({name: PARTITIONS}), "CreateTopics")
            walls[side].append(time.perf_counter() - started)
            cpus[side].append(b.cpu() - before)
    # work a broker does after answering (kcli makes the directories on a worker thread, also while the other broker
    # takes its turn) would fall on the next phases' figures: wait for each to go quiet, and count all it spent
    total = {}
    for side, b in brokers.items():
        _wait_quiet(b.cpu)
        total[side] = (b.cpu() - first[side]) / sizes.creations
    return {side: {"create_1000_wall_s": statistics.median(walls[side]), "create_1000_cpu_s": statistics.median(cpus[side]),
                   "create_1000_total_cpu_s": total[side]} for side in brokers}


def _wait_quiet(cpu: Callable[[], float], interval_s: float = 0.25, busy_s: float = 0.003, limit_s: float = 120) -> None:
    """Until the broker spends under ``busy_s`` of CPU in each of four ``interval_s`` in a row (or ``limit_s`` passed):
    a thread waiting on the disk a moment spends none either."""
    quiet, deadline, last = 0, time.monotonic() + limit_s, cpu()
    while quiet < 4 and time.monotonic() < deadline:
        time.sleep(interval_s)
        now = cpu()
        quiet, last = (quiet + 1 if now - last < busy_s else 0), now


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU-seconds of every thread of ``process``: Linux's schedstat (nanoseconds) where there is
    one, else psutil's (clock ticks, 10 ms)."""
    tasks = Path(f"/proc/{process.pid}/task")
    try:
        return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks.iterdir()) / 1e9
    except (OSError, ValueError, IndexError):
        t = process.cpu_times()
        return t.user + t.system


class FloorServer:
    """bench/floor_server.py as a process (answering with ``sendfile``'s bytes too, when given), and the bench's
    connection to it."""

    def __init__(self, sendfile: Path | None = None) -> None:
        args = [sys.executable, str(Path(__file__).with_name("floor_server.py"))]
        self.proc = subprocess.Popen(args + (["--sendfile", str(sendfile)] if sendfile else []),
                                     stdout=subprocess.PIPE, text=True)
        port = int(self.proc.stdout.readline())
        self.process = psutil.Process(self.proc.pid)
        self.connection = Connection(f"127.0.0.1:{port}", api_versions=False)

    def cpu(self) -> float:
        return cpu_seconds(self.process)

    def stop(self) -> None:
        self.connection.close()
        self.proc.kill()
        self.proc.wait()


def counted(brokers: dict[str, "Side"], sizes: Sizes) -> dict[str, dict]:
    """Every probe, cut in BLOCKS blocks that the brokers take in turn: a busy moment of a shared machine falls on both.

    The small requests' blocks are taken by bench/floor_server.py too (the same frames, answered with fixed
    bytes): ``floor_cpu_us``, the event loop's and the kernel's share of every broker's figure at that moment.
    The 1 MiB fetch of 1 MB batches has its own floor, the same server answering with 1 MiB sent as kcli sends
    a fetched range (``floor_mib_cpu_ms``): what the kernel takes to move a mebibyte to that client then."""
    by_side = {side: probes(b.connection, sizes) for side, b in brokers.items()}
    out: dict[str, dict] = {side: {} for side in brokers}
    mebibyte = Path(tempfile.mkdtemp(prefix="kcli-bench-floor-")) / "mebibyte"
    mebibyte.write_bytes(os.urandom(MIB))
    floor, floor_mib = FloorServer(), FloorServer(mebibyte)
    floor_cpu, floor_requests, floor_mib_cpu, floor_mib_requests = 0.0, 0, 0.0, 0
    try:
        for index, probe in enumerate(next(iter(by_side.values()))):
            cpu = dict.fromkeys(brokers, 0.0)
            wall = dict.fromkeys(brokers, 0.0)
            per_block = max(1, probe.count // BLOCKS)
            for block in range(BLOCKS):
                for side in _turns(list(brokers), block):
                    b, frame = brokers[side], by_side[side][index].frame
                    before, started = b.cpu(), time.perf_counter()
                    b.connection.repeat(frame, per_block)
                    wall[side] += time.perf_counter() - started
                    cpu[side] += b.cpu() - before
                if probe.unit == "us":
                    before = floor.cpu()
                    floor.connection.repeat(probe.frame, per_block)
                    floor_cpu += floor.cpu() - before
                    floor_requests += per_block
                elif probe.key == "fetch_mib_big_batches":
                    before = floor_mib.cpu()
                    floor_mib.connection.repeat(probe.frame, per_block)
                    floor_mib_cpu += floor_mib.cpu() - before
                    floor_mib_requests += per_block
            scale = 1e6 if probe.unit == "us" else 1e3
            for side in brokers:
                out[side][f"{probe.key}_cpu_{probe.unit}"] = cpu[side] / (per_block * BLOCKS) * scale
                if probe.wall:
                    out[side][f"{probe.key}_wall_{probe.unit}"] = wall[side] / (per_block * BLOCKS) * scale
    finally:
        floor.stop()
        floor_mib.stop()
        shutil.rmtree(mebibyte.parent, ignore_errors=True)
    for side in brokers:
        out[side]["floor_cpu_us"] = floor_cpu / max(1, floor_requests) * 1e6
        out[side]["floor_mib_cpu_ms"] = floor_mib_cpu / max(1, floor_mib_requests) * 1e3
    return out


def produce_spread(bootstrap: str, cpu, sizes: Sizes) -> dict:
    """confluent-kafka producing over the 1,000 partitions: msg/s and broker CPU s / 1M."""
    from confluent_kafka import Producer

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
    return {"produce_1000_msgs": sizes.spread / (time.perf_counter() - started),
            "produce_1000_cpu_s_per_1m": (cpu() - before) / sizes.spread * 1e6}


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


@dataclass
class Side:
    """One broker under comparison: its address, its CPU-seconds, and the bench's connection to it."""

    bootstrap: str
    cpu: Callable[[], float]
    connection: Connection


def run_phases(brokers: dict[str, tuple[str, Callable[[], float]]], sizes: Sizes, round_number: int = 0) -> dict[str, dict]:
    """Every request-level figure of each broker (name → (bootstrap, CPU-seconds)), all of them up at once."""
    sides = {name: Side(bootstrap, cpu, Connection(bootstrap)) for name, (bootstrap, cpu) in brokers.items()}
    try:
        out = create_topics(sides, sizes)
        for side, figures in counted(sides, sizes).items():
            out[side].update(figures)
        for side in _turns(list(sides), round_number):
            out[side].update(produce_spread(sides[side].bootstrap, sides[side].cpu, sizes))
        for side in _turns(list(sides), round_number + 1):
            out[side].update(perf_tools(sides[side].bootstrap, sides[side].cpu, sizes))
    finally:
        for side in sides.values():
            side.connection.close()
    return out
