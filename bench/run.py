"""kcli broker benchmark: one command, every figure next to a reference measured in the same run.

    python bench/run.py [--messages N] [--quick] [--out FILE] [--baseline REV] [--rounds N]

Starts ``kcli server-start`` as a subprocess (port 0, temporary data directory)
and drives it with confluent-kafka (librdkafka): produce N × 100 B with acks=1
and acks=all, consume them back, end-to-end latency at 2,000 msg/s, the fetch
rate of an idle consumer, the broker's CPU-seconds and RSS, and its start-up
time. The reference is the same client code against librdkafka's built-in mock
cluster (``test.mock.num.brokers=1``), run right after, on the same machine.
Then the request-level phases (bench/request_cost.py: broker CPU per small
produce, per empty fetch, per 1 MiB fetch, 1,000 partitions, the perf-test
tools) run against a broker of this tree and one of the baseline revision
(``--baseline``, default the previous commit, its ``kcli/`` extracted with
``git archive``), both up at once and taking turns, fresh brokers each round. Prints two tables
(figure, kcli, reference, ratio, target, met) and writes bench/results.json.
README.md beside this file describes each method.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import confluent_kafka
import psutil
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/'s modules, also when this file is loaded by path
import request_cost  # noqa: E402

PAYLOAD = b"x" * 100
PRODUCER = {"linger.ms": 5, "queue.buffering.max.messages": 1_000_000}  # both clusters; batch sizes are librdkafka's
# librdkafka 2.x postpones a partition's next fetch by fetch.queue.backoff.ms (default 1 s) whenever
# its local queue already holds queued.min.messages; a broker that answers at once fills it at once,
# so with the defaults the figure measures that pause. The target is judged on this setting; the
# defaults get their own row.
NO_QUEUE_BACKOFF = {"fetch.queue.backoff.ms": 0}
PRODUCE_TRIALS = 5
READY_LAUNCHES = 3
LATENCY_RATE = 2_000
STARTED = re.compile(r"started on (\S+):(\d+)")


# -- the broker under test -----------------------------------------------------


class BrokerProcess:
    """``python -m kcli server-start`` on port 0; ``ready_ms`` is launch → the ``started`` line."""

    def __init__(self, log_dir: Path, pythonpath: Path | None = None):
        log_dir.mkdir(parents=True, exist_ok=True)
        env = None if pythonpath is None else {**os.environ, "PYTHONPATH": str(pythonpath)}  # a baseline's kcli/
        launched = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kcli", "server-start",
             "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", f"log.dirs={log_dir}",
             # the request-level phases create five topics of 1,000 partitions on one broker: above the default cap of 4,000
             "--override", "kcli.max.partitions=100000"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            cwd=log_dir,  # not the checkout: ``-m`` would import its kcli before PYTHONPATH's (the baseline's)
            env=env,
        )
        for line in self.proc.stderr:
            match = STARTED.search(line)
            if match:
                self.ready_ms = (time.perf_counter() - launched) * 1000
                self.bootstrap = f"{match.group(1)}:{match.group(2)}"
                break
        else:
            raise SystemExit(f"the broker exited with {self.proc.wait()} before its 'started' line")
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()  # never let its stderr pipe fill
        self.ps = psutil.Process(self.proc.pid)

    def cpu_seconds(self) -> float:
        return request_cost.cpu_seconds(self.ps)

    def rss_mib(self) -> float:
        return self.ps.memory_info().rss / (1 << 20)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def start_broker(tmp: Path) -> tuple[BrokerProcess, list[float]]:
    """Launch READY_LAUNCHES times (one launch is noisy); the last broker stays up for the run."""
    readies = []
    for i in range(READY_LAUNCHES):
        broker = BrokerProcess(tmp / f"logs-{i}")
        readies.append(broker.ready_ms)
        if i < READY_LAUNCHES - 1:
            broker.stop()
    return broker, readies


def mock_cluster() -> tuple[Producer, str]:
    """librdkafka's in-process mock cluster; it lives as long as the returned producer does."""
    holder = Producer({"test.mock.num.brokers": 1, "log_level": 0})
    brokers = holder.list_topics(timeout=10).brokers.values()
    return holder, ",".join(f"{b.host}:{b.port}" for b in brokers)


# -- workloads: the same code for kcli and the mock cluster --------------------


def create_topics(bootstrap: str, names: list[str], mock: bool) -> None:
    """One partition each; the mock cluster serves no CreateTopics but creates a topic a producer names."""
    if mock:
        producer = Producer({"bootstrap.servers": bootstrap})
        for name in names:
            producer.list_topics(name, timeout=10)
        return
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(n, 1, 1) for n in names]).values():
        future.result(30)


def produce(bootstrap: str, topic: str, n: int, acks: str) -> float:
    """msg/s for ``n`` messages, from the first produce() until flush() returns (connection made before)."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": acks, **PRODUCER})
    producer.list_topics(topic, timeout=10)
    started = time.perf_counter()
    for _ in range(n):
        while True:
            try:
                producer.produce(topic, PAYLOAD, partition=0)
                break
            except BufferError:
                producer.poll(0.005)
    if producer.flush(120) != 0:
        raise SystemExit(f"produce to {bootstrap} did not finish")
    return n / (time.perf_counter() - started)


def consume(bootstrap: str, topic: str, n: int, **conf) -> float:
    """msg/s reading the partition from its start to its end, timed from the first message received."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench", "enable.auto.commit": False, **conf})
    low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    want = min(n, high - low)  # the mock cluster keeps only a partition's last ~5 MB
    consumer.assign([TopicPartition(topic, 0, low)])
    deadline = time.perf_counter() + 300
    while not any(not m.error() for m in consumer.consume(1, 1.0)):
        if time.perf_counter() > deadline:
            raise SystemExit(f"nothing to consume from {bootstrap}")
    got, started = 1, time.perf_counter()
    while got < want and time.perf_counter() < deadline:
        # never ask for more than remain: consume(n) waits out its timeout for a short last batch
        got += sum(1 for m in consumer.consume(min(10_000, want - got), 1.0) if not m.error())
    elapsed = time.perf_counter() - started
    consumer.close()
    return (got - 1) / elapsed


def group_consume(bootstrap: str, topic: str, n: int, **conf) -> tuple[float, float, float]:
    """(join ms, first record ms, msg/s) for the one member of a new group reading the partition from its start.

    The group settings are librdkafka's defaults (45 s session timeout, range +
    cooperative-sticky assignors); the join is timed from subscribe() to the
    assignment callback, the first record from subscribe() to its arrival, and
    the rate as in consume(), auto-commit on.
    """
    assigned: list[float] = []
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-group-{time.time_ns()}",
                         "auto.offset.reset": "earliest", **conf})
    low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    want = min(n, high - low)
    subscribed = time.perf_counter()
    consumer.subscribe([topic], on_assign=lambda c, partitions: assigned.append(time.perf_counter()))
    deadline = subscribed + 300
    while not any(not m.error() for m in consumer.consume(1, 0.1)):
        if time.perf_counter() > deadline:
            raise SystemExit(f"the group member got nothing from {bootstrap}")
    got, started = 1, time.perf_counter()
    while got < want and time.perf_counter() < deadline:
        got += sum(1 for m in consumer.consume(min(10_000, want - got), 1.0) if not m.error())
    elapsed = time.perf_counter() - started
    consumer.close()
    return (assigned[0] - subscribed) * 1000, (started - subscribed) * 1000, (got - 1) / elapsed


LINGER_0 = {"acks": "1", "linger.ms": 0}
LIBRDKAFKA_DEFAULTS: dict = {}  # librdkafka 2.x: acks=all, linger.ms=5; the consumer's defaults in both phases


def latency(bootstrap: str, topic: str, seconds: float, producer_config: dict) -> tuple[float, float]:
    """p50, p99 in ms from produce() to the consumer's poll(), LATENCY_RATE msg/s, one process."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-latency", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    consumer.poll(0.5)  # connected and fetching before the first send
    samples: list[float] = []
    total = int(LATENCY_RATE * seconds)
    done = threading.Event()

    def read():
        while len(samples) < total and not done.is_set():
            m = consumer.poll(0.1)  # returns at the first message (consume(n) would wait for n)
            if m is not None and not m.error():
                samples.append((time.perf_counter_ns() - int(m.value())) / 1e6)

    reader = threading.Thread(target=read)
    reader.start()
    producer = Producer({"bootstrap.servers": bootstrap, **producer_config})
    producer.list_topics(topic, timeout=10)
    start = time.perf_counter()
    for i in range(total):
        pause = start + i / LATENCY_RATE - time.perf_counter()
        if pause > 0:
            time.sleep(pause)  # sleep, not spin: the reader thread needs the GIL to take timestamps promptly
        producer.produce(topic, str(time.perf_counter_ns()).encode(), partition=0)
        producer.poll(0)
    producer.flush(30)
    reader.join(30)
    done.set()
    consumer.close()
    if len(samples) < total // 2:
        raise SystemExit(f"latency: only {len(samples)} of {total} messages came back from {bootstrap}")
    samples = sorted(samples[LATENCY_RATE // 2:])  # leave out the first half second: set-up, not steady state
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def idle_fetch_rate(bootstrap: str, topic: str, seconds: float) -> float:
    """Fetch requests per second an assigned, caught-up consumer sends (librdkafka's own req.Fetch counter)."""
    counts: list[tuple[float, int]] = []

    def stats(text):
        data = json.loads(text)
        counts.append((time.perf_counter(), sum(b.get("req", {}).get("Fetch", 0) for b in data["brokers"].values())))

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-idle", "enable.auto.commit": False,
                         "statistics.interval.ms": 500, "stats_cb": stats})
    consumer.assign([TopicPartition(topic, 0, confluent_kafka.OFFSET_END)])  # nothing to read
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        consumer.poll(0.1)
    consumer.close()
    (t0, c0), (t1, c1) = counts[1], counts[-1]  # the first report includes connecting
    return (c1 - c0) / (t1 - t0)


# -- one run ---------------------------------------------------------------------


def _workloads(bootstrap: str, n: int, latency_s: float, cpu: Callable[[], float] | None) -> tuple[dict, dict]:
    """Every client-side figure against one cluster; with ``cpu`` (kcli), also its broker's CPU-seconds."""
    out: dict = {}
    trials: dict = {"produce_acks1": [], "produce_acksall": [], "cpu_acks1": [], "cpu_acksall": []}
    topics = ["warmup", "latency", "latency-defaults", "idle"] + [f"acks{a}-{i}" for a in ("1", "all") for i in range(PRODUCE_TRIALS)]
    create_topics(bootstrap, topics, mock=cpu is None)
    produce(bootstrap, "warmup", min(n, 100_000), "1")  # page in the client library and the broker's code paths
    for i in range(PRODUCE_TRIALS):
        for acks in ("1", "all"):
            topic = f"acks{acks}-{i}"
            before = cpu() if cpu else 0.0
            trials[f"produce_acks{acks}"].append(produce(bootstrap, topic, n, acks))
            if cpu:
                trials[f"cpu_acks{acks}"].append((cpu() - before) / n * 1_000_000)
                if topic != "acks1-0":  # kept for the consume runs; the rest would only fill the disk
                    admin = AdminClient({"bootstrap.servers": bootstrap})
                    admin.delete_topics([topic])[topic].result(30)
    for acks in ("1", "all"):
        out[f"produce_acks{acks}_msgs"] = statistics.median(trials[f"produce_acks{acks}"])
        out[f"produce_acks{acks}_mb"] = out[f"produce_acks{acks}_msgs"] * len(PAYLOAD) / 1e6
        if cpu:
            out[f"cpu_s_per_1m_acks{acks}"] = statistics.median(trials[f"cpu_acks{acks}"])
    before = cpu() if cpu else 0.0
    out["consume_msgs"] = consume(bootstrap, "acks1-0", n, **NO_QUEUE_BACKOFF)
    if cpu:
        out["cpu_s_per_1m_consumed"] = (cpu() - before) / n * 1_000_000
    out["consume_default_msgs"] = consume(bootstrap, "acks1-0", n)
    before = cpu() if cpu else 0.0
    out["group_join_ms"], out["group_first_record_ms"], out["group_consume_msgs"] = group_consume(
        bootstrap, "acks1-0", n, **NO_QUEUE_BACKOFF
    )
    if cpu:
        out["cpu_s_per_1m_group_consumed"] = (cpu() - before) / n * 1_000_000
    before, started = (cpu() if cpu else 0.0), time.perf_counter()
    out["latency_p50_ms"], out["latency_p99_ms"] = latency(bootstrap, "latency", latency_s, LINGER_0)
    if cpu:
        out["latency_cpu_percent"] = (cpu() - before) / (time.perf_counter() - started) * 100
    before, started = (cpu() if cpu else 0.0), time.perf_counter()
    out["latency_defaults_p50_ms"], out["latency_defaults_p99_ms"] = latency(
        bootstrap, "latency-defaults", latency_s, LIBRDKAFKA_DEFAULTS)
    if cpu:
        out["latency_defaults_cpu_percent"] = (cpu() - before) / (time.perf_counter() - started) * 100
    before, started = (cpu() if cpu else 0.0), time.perf_counter()
    out["idle_fetches_per_s"] = idle_fetch_rate(bootstrap, "idle", 4.0)
    if cpu:
        out["idle_cpu_percent"] = (cpu() - before) / (time.perf_counter() - started) * 100
    return out, trials


def run(n: int, latency_s: float, sizes: "request_cost.Sizes", baseline: str | None, rounds: int,
        requests_only: bool = False) -> dict:
    kcli: dict = {}
    reference: dict = {}
    readies: list[float] = []
    kcli_trials: dict = {}
    ref_trials: dict = {}
    if not requests_only:
        with tempfile.TemporaryDirectory(prefix="kcli-bench-") as tmp:
            broker, readies = start_broker(Path(tmp))
            try:
                kcli["ready_ms"] = statistics.median(readies)
                time.sleep(0.5)  # let the interpreter settle before reading idle RSS
                kcli["rss_idle_mib"] = broker.rss_mib()
                figures, kcli_trials = _workloads(broker.bootstrap, n, latency_s, broker.cpu_seconds)
                kcli.update(figures)
                kcli["rss_after_mib"] = broker.rss_mib()
            finally:
                broker.stop()
        holder, bootstrap = mock_cluster()
        reference, ref_trials = _workloads(bootstrap, n, latency_s, None)
        del holder
    requests = request_run(sizes, baseline, rounds)
    this, base = requests["medians"]["this tree"], requests["medians"].get("baseline", {})
    return {
        "messages": n,
        "message_bytes": len(PAYLOAD),
        "machine": {"cpus": psutil.cpu_count(), "python": platform.python_version(),
                    "confluent_kafka": confluent_kafka.__version__, "librdkafka": confluent_kafka.libversion()[0]},
        "figures": [] if requests_only else [_figure(f, kcli, reference) for f in FIGURES],
        "trials": {"ready_ms": readies, "kcli": kcli_trials, "reference": {k: v for k, v in ref_trials.items() if v}},
        "baseline": baseline,
        "request_figures": [_figure(f, this, base) for f in REQUEST_FIGURES],
        "request_trials": requests["trials"],
    }


# -- the request-level phases: this tree against a baseline revision -------------

ROOT = Path(__file__).resolve().parent.parent


def baseline_source(rev: str, into: Path) -> None:
    """``kcli/`` of git revision ``rev`` extracted under ``into`` (``git archive``)."""
    import io
    import tarfile

    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "kcli"], capture_output=True)
    if archive.returncode != 0:
        raise SystemExit(f"--baseline {rev}: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into)


def request_run(sizes: "request_cost.Sizes", baseline: str | None, rounds: int) -> dict:
    """The request-level figures of this tree and of ``baseline``: both brokers up at once, fresh each round;
    the median of ``rounds``."""
    import shutil

    trials: dict[str, list[dict]] = {"this tree": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="kcli-bench-requests-") as tmp:
        sources = {"this tree": ROOT}
        if baseline:
            sources = {"baseline": Path(tmp) / "baseline", "this tree": ROOT}
            sources["baseline"].mkdir()
            baseline_source(baseline, sources["baseline"])
        for i in range(rounds):
            brokers: dict[str, BrokerProcess] = {}
            try:
                for side, source in sources.items():
                    brokers[side] = BrokerProcess(Path(tmp) / f"logs-{i}-{side.replace(' ', '-')}", pythonpath=source)
                figures = request_cost.run_phases({side: (b.bootstrap, b.cpu_seconds) for side, b in brokers.items()}, sizes, i)
                for side, values in figures.items():
                    trials[side].append(values)
            finally:
                for side, broker in brokers.items():
                    broker.stop()
                    shutil.rmtree(Path(tmp) / f"logs-{i}-{side.replace(' ', '-')}", ignore_errors=True)
    medians = {side: {k: statistics.median(t[k] for t in runs) for k in runs[0]} for side, runs in trials.items() if runs}
    return {"baseline": baseline, "rounds": rounds, "sizes": sizes.__dict__, "medians": medians, "trials": trials}


# -- figures and targets -----------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    target: str = ""
    met: Callable[[float, float | None], bool] | None = None  # (kcli, reference) → met?


FIGURES = [
    Figure("produce_acks1_msgs", "produce acks=1, msg/s", "≥ 0.9× reference", lambda v, r: v >= 0.9 * r),
    Figure("produce_acks1_mb", "produce acks=1, MB/s payload"),
    Figure("produce_acksall_msgs", "produce acks=all, msg/s", "≥ 0.9× reference", lambda v, r: v >= 0.9 * r),
    Figure("produce_acksall_mb", "produce acks=all, MB/s payload"),
    Figure("cpu_s_per_1m_acks1", "broker CPU s / 1M produced, acks=1", "≤ 0.8", lambda v, r: v <= 0.8),
    Figure("cpu_s_per_1m_acksall", "broker CPU s / 1M produced, acks=all", "≤ 0.8", lambda v, r: v <= 0.8),
    Figure("consume_msgs", "consume, msg/s", "≥ 400,000", lambda v, r: v >= 400_000),
    Figure("consume_default_msgs", "consume, librdkafka defaults, msg/s"),
    Figure("cpu_s_per_1m_consumed", "broker CPU s / 1M consumed"),
    Figure("group_consume_msgs", "consume in a group (1 member), msg/s", "≥ 400,000", lambda v, r: v >= 400_000),
    Figure("cpu_s_per_1m_group_consumed", "broker CPU s / 1M consumed in a group"),
    Figure("group_join_ms", "group join, librdkafka defaults, ms"),
    Figure("group_first_record_ms", "subscribe → first record, ms", "≤ 3,000", lambda v, r: v <= 3_000),
    Figure("latency_p50_ms", "e2e latency p50 at 2,000 msg/s, ms", "≤ 2", lambda v, r: v <= 2),
    Figure("latency_p99_ms", "e2e latency p99 at 2,000 msg/s, ms", "≤ 10", lambda v, r: v <= 10),
    Figure("latency_cpu_percent", "broker CPU in the latency phase, % of a core"),
    Figure("latency_defaults_p50_ms", "e2e latency p50, librdkafka defaults, ms"),
    Figure("latency_defaults_p99_ms", "e2e latency p99, librdkafka defaults, ms"),
    Figure("latency_defaults_cpu_percent", "broker CPU, latency phase with librdkafka defaults, % of a core",
           "≤ 25", lambda v, r: v <= 25),
    Figure("idle_fetches_per_s", "idle consumer, fetches/s", "< 20", lambda v, r: v < 20),
    Figure("idle_cpu_percent", "broker CPU with a consumer idle, %"),
    Figure("rss_idle_mib", "broker RSS idle, MiB", "≤ 60", lambda v, r: v <= 60),
    Figure("rss_after_mib", "broker RSS after the run, MiB", "≤ 120", lambda v, r: v <= 120),
    Figure("ready_ms", "ready after launch, ms", "≤ 500", lambda v, r: v <= 500),
]


REQUEST_FIGURES = [
    Figure("small_produce_cpu_us", "broker CPU per 1-record produce (acks=1), µs", "≤ 60", lambda v, r: v <= 60),
    Figure("small_produce_wall_us", "1-record produce, round trip, µs"),
    Figure("empty_fetch_cpu_us", "broker CPU per empty fetch (max wait 0), µs", "≤ 40", lambda v, r: v <= 40),
    Figure("empty_fetch_wall_us", "empty fetch, round trip, µs"),
    Figure("floor_cpu_us", "floor: a server answering fixed bytes, CPU per request, µs"),
    Figure("fetch_mib_small_batches_cpu_ms", "broker CPU per 1 MiB fetch of ~170 B batches, ms", "≤ 0.5", lambda v, r: v <= 0.5),
    Figure("fetch_mib_big_batches_cpu_ms", "broker CPU per 1 MiB fetch of 1 MB batches, ms", "≤ 0.2", lambda v, r: v <= 0.2),
    Figure("floor_mib_cpu_ms", "floor: a server answering 1 MiB by sendfile, CPU per request, ms"),
    Figure("create_1000_wall_s", "CreateTopics of 1,000 partitions, s", "≤ 0.1", lambda v, r: v <= 0.1),
    Figure("create_1000_cpu_s", "broker CPU for that CreateTopics, s"),
    Figure("create_1000_total_cpu_s", "broker CPU for that CreateTopics and its work after the answer, s"),
    Figure("metadata_1000_wall_ms", "Metadata of 1,000 partitions, round trip, ms", "≤ 3", lambda v, r: v <= 3),
    Figure("metadata_1000_cpu_ms", "broker CPU per Metadata of 1,000 partitions, ms"),
    Figure("produce_1000_msgs", "produce over 1,000 partitions, msg/s", "≥ 200,000", lambda v, r: v >= 200_000),
    Figure("produce_1000_cpu_s_per_1m", "broker CPU s / 1M produced over 1,000 partitions"),
    Figure("perf_produce_msgs", "kcli producer-perf-test, records/s"),
    Figure("perf_produce_avg_latency_ms", "kcli producer-perf-test, avg latency, ms"),
    Figure("perf_produce_cpu_s_per_1m", "broker CPU s / 1M records of producer-perf-test"),
    Figure("perf_consume_msgs", "kcli consumer-perf-test, fetch.nMsg.sec"),
]


def _figure(figure: Figure, kcli: dict, reference: dict) -> dict:
    value, ref = kcli[figure.key], reference.get(figure.key)
    return {
        "key": figure.key, "label": figure.label, "kcli": value, "reference": ref,
        "ratio": value / ref if ref else None,
        "target": figure.target or None, "met": figure.met(value, ref) if figure.met else None,
    }


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}"


def report(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    m = results["machine"]
    table = Table(title=f"kcli broker, {results['messages']:,} × {results['message_bytes']} B — confluent-kafka "
                        f"{m['confluent_kafka']} (librdkafka {m['librdkafka']}), {m['cpus']} CPUs")
    for column in ("figure", "kcli", "mock cluster", "ratio", "target", "met"):
        table.add_column(column, justify="left" if column in ("figure", "target") else "right")
    for f in results["figures"]:
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: ""}[f["met"]]
        table.add_row(f["label"], _number(f["kcli"]), _number(f["reference"]),
                      "" if f["ratio"] is None else f"{f['ratio']:.3g}", f["target"] or "", met)
    console = Console(width=max(100, Console().width))
    if results["figures"]:
        console.print(table)
    base = results["baseline"] or "none"
    table = Table(title=f"request level — this tree vs the baseline {base}, measured in the same run "
                        f"(both brokers up at once, taking turns; median of {len(results['request_trials']['this tree'])} rounds)")
    for column in ("figure", "this tree", f"baseline {base}", "ratio", "target", "met"):
        table.add_column(column, justify="left" if column in ("figure", "target") else "right")
    for f in results["request_figures"]:
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: ""}[f["met"]]
        table.add_row(f["label"], _number(f["kcli"]), _number(f["reference"]),
                      "" if f["ratio"] is None else f"{f['ratio']:.3g}", f["target"] or "", met)
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, help="messages per produce run (default 1,000,000; --quick 50,000)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run: 50,000 messages, 2 s of latency")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    parser.add_argument("--baseline", default="HEAD~1",
                        help="git revision the request-level phases compare with (default HEAD~1, the previous commit; "
                             "'none': this tree only)")
    parser.add_argument("--rounds", type=int, help="request-level rounds per side, alternating (default 2; --quick 1)")
    parser.add_argument("--requests-only", action="store_true",
                        help="only the request-level table (no mock-cluster run): a quicker check of a broker change")
    args = parser.parse_args()
    n = args.messages or (50_000 if args.quick else 1_000_000)
    sizes = request_cost.Sizes.for_run(args.quick, n)
    baseline = None if args.baseline.lower() == "none" else args.baseline
    results = run(n, 2.0 if args.quick else 10.0, sizes, baseline, args.rounds or (1 if args.quick else 2), args.requests_only)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    report(results)


if __name__ == "__main__":
    main()
