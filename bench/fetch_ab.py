"""Broker CPU per Fetch request of this tree against another revision, measured in the same run.

    python bench/fetch_ab.py [--baseline REV] [--trials T]

Extracts ``kcli/`` of REV (default ``main``) as produce_ab.py does, then alternates trials: one fresh
``python -m kcli server-start`` from that copy, one from this tree. Each broker gets three one-partition
topics, filled with raw Produce requests: ``small`` with 1 MiB of 170-byte batches (one 100-byte record
each), ``large`` with three batches of about 1 MB, ``empty`` with nothing. A client on one connection then
sends the same Fetch v10 request again and again (max_wait_ms=0, reading each response whole before the
next) and the broker's CPU time (user + system, and user alone, psutil) over the requests is divided by
their number:

- ``1 MiB of 170-byte batches``: offset 0 of ``small``, max_bytes and partition_max_bytes 1 MiB;
- ``1 MiB of 1 MB batches``: offset 0 of ``large``, max_bytes and partition_max_bytes 1 MiB;
- ``empty fetch``: the log end offset of ``empty``, min_bytes 1, max_wait_ms 0.

Prints every trial and the medians per side. The machine may be shared: compare only figures from one run.
On loopback the system time includes the kernel's TCP work for the reading side too, and sendfile of
1 MiB costs the sender more system time there than a read and a send (measured on Linux 6.18); the user
time is the broker's own work.
"""

from __future__ import annotations

import argparse
import importlib.util
import socket
import statistics
import struct
import sys
import tempfile
from pathlib import Path

from kafka.protocol.consumer import FetchRequest
from kafka.protocol.producer import ProduceRequest
from kafka.record.default_records import DefaultRecordBatchBuilder

ROOT = Path(__file__).resolve().parent.parent
MIB = 1 << 20
PHASES = {  # name: (topic, requests per trial)
    "1 MiB of 170-byte batches": ("small", 1000),
    "1 MiB of 1 MB batches": ("large", 1000),
    "empty fetch": ("empty", 5000),
}


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _batch(value_size: int, count: int = 1) -> bytes:
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False, producer_id=-1,
                                        producer_epoch=-1, base_sequence=-1, batch_size=1 << 24)
    for i in range(count):
        builder.append(i, timestamp=1_700_000_000_000, key=None, value=b"v" * value_size, headers=[])
    return bytes(builder.build())


class Connection:
    def __init__(self, bootstrap: str):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray(4 * MIB)

    def send(self, request, correlation_id: int = 1) -> None:
        request.with_header(correlation_id=correlation_id, client_id="fetch-ab")
        self.sock.sendall(bytes(request.encode(header=True, framed=True)))

    def receive(self) -> memoryview:
        view = memoryview(self.buffer)
        self._fill(view[:4])
        size = struct.unpack(">i", view[:4])[0]
        if size > len(self.buffer):
            self.buffer = bytearray(size)
            view = memoryview(self.buffer)
        self._fill(view[:size])
        return view[:size]

    def _fill(self, view: memoryview) -> None:
        while len(view):
            n = self.sock.recv_into(view)
            if not n:
                raise SystemExit("the broker closed the connection")
            view = view[n:]


def _produce(conn: Connection, topic: str, batches: list[bytes]) -> None:
    """Pipelined Produce v7 requests, one batch each, acks=1; every answer read."""
    Topic = ProduceRequest.TopicProduceData
    for i, records in enumerate(batches):
        conn.send(ProduceRequest(version=7, transactional_id=None, acks=1, timeout_ms=30000, topic_data=[
            Topic(name=topic, partition_data=[Topic.PartitionProduceData(index=0, records=records)])]), i)
        if i % 200 == 199:
            for _ in range(200):
                conn.receive()
    for _ in range(len(batches) % 200):
        conn.receive()


def _fetch_request(topic: str, offset: int, max_bytes: int) -> FetchRequest:
    T = FetchRequest.FetchTopic
    return FetchRequest(version=10, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=max_bytes, isolation_level=0,
                        session_id=0, session_epoch=-1, forgotten_topics_data=[], topics=[T(topic=topic, partitions=[
                            T.FetchPartition(partition=0, current_leader_epoch=-1, fetch_offset=offset,
                                             log_start_offset=-1, partition_max_bytes=max_bytes)])])


def trial(run, source: Path, tmp: Path) -> dict[str, tuple[float, float, int]]:
    """Broker CPU µs per request (user, system) and the response size, per phase, of one fresh broker running
    ``source``."""
    broker = run.BrokerProcess(Path(tempfile.mkdtemp(dir=tmp)), pythonpath=source)
    try:
        run.create_topics(broker.bootstrap, ["small", "large", "empty"], mock=False)
        conn = Connection(broker.bootstrap)
        small = _batch(100)
        assert len(small) == 170, len(small)
        _produce(conn, "small", [small] * (MIB // 170 + 50))
        _produce(conn, "large", [_batch(1_000_000 - 100)] * 3)
        offsets = {"small": 0, "large": 0, "empty": 0}
        results = {}
        for phase, (topic, n) in PHASES.items():
            encoded = _fetch_request(topic, offsets[topic], MIB)
            conn.send(encoded)
            size = len(conn.receive())  # warm-up
            before = broker.ps.cpu_times()
            for _ in range(n):
                conn.send(encoded)
                conn.receive()
            after = broker.ps.cpu_times()
            results[phase] = ((after.user - before.user) / n * 1e6, (after.system - before.system) / n * 1e6, size)
        conn.sock.close()
        return results
    finally:
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with (default main)")
    parser.add_argument("--trials", type=int, default=3, help="trials per side, alternating (default 3)")
    args = parser.parse_args()
    run = _load("run")
    results: dict[str, list[dict[str, tuple[float, float, int]]]] = {"baseline": [], "this tree": []}
    with tempfile.TemporaryDirectory(prefix="kcli-fetch-ab-") as tmp:
        baseline = Path(tmp) / "baseline"
        baseline.mkdir()
        run.baseline_source(args.baseline, baseline)
        for i in range(args.trials):
            for side, source in (("baseline", baseline), ("this tree", ROOT)):
                measured = trial(run, source, Path(tmp))
                results[side].append(measured)
                line = "  ".join(f"{phase}: {user + system:,.1f} µs (user {user:,.1f}, {size:,} B)"
                                 for phase, (user, system, size) in measured.items())
                print(f"trial {i + 1} {side:9}  {line}", flush=True)
    print(f"\nmedian broker CPU per request ({args.trials} trials per side; baseline {args.baseline}):")
    for phase in PHASES:
        base, base_user = (statistics.median(t[phase][0] + t[phase][1] for t in results["baseline"]),
                           statistics.median(t[phase][0] for t in results["baseline"]))
        this, this_user = (statistics.median(t[phase][0] + t[phase][1] for t in results["this tree"]),
                           statistics.median(t[phase][0] for t in results["this tree"]))
        print(f"  {phase:26} baseline {base:>8,.1f} µs (user {base_user:>7,.1f})   "
              f"this tree {this:>8,.1f} µs (user {this_user:>7,.1f})   ratio {this / base:.3f}")


if __name__ == "__main__":
    main()
