"""Broker CPU per one-record Produce request, this tree against another revision, in the same run.

    python bench/produce_request_cpu.py [--baseline REV] [--requests N] [--trials T] [--client raw|librdkafka]

``raw`` (the default): a raw-socket client sends N Produce v8 requests, one at a
time (one in flight), each one batch of one 100 B record, acks=1, the way a
producer with linger.ms=0 does; it reads each response before sending the next.
The request bytes are encoded once with kafka-python, so the client costs next
to nothing. ``librdkafka``: confluent-kafka with linger.ms=0, acks=1, one request
in flight, flushing after each record (so each record is one request). The
figure is the broker's: its process CPU time (user + system, psutil) over the N
requests, divided by N. Brokers alternate between REV's ``kcli/`` (extracted
with ``git archive``, as bench/produce_ab.py does) and this tree, each a fresh
``python -m kcli server-start``. The machine may be shared: compare only figures
from one run.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import struct
import tempfile
from pathlib import Path

from kafka.protocol.admin import CreateTopicsRequest
from kafka.protocol.producer import ProduceRequest
from kafka.record.default_records import DefaultRecordBatchBuilder

import produce_ab

TOPIC = "small"


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        out += chunk
    return bytes(out)


def _call(sock: socket.socket, request) -> bytes:
    sock.sendall(request)
    (size,) = struct.unpack(">i", _recv_exactly(sock, 4))
    return _recv_exactly(sock, size)


def _frame(request, correlation_id: int) -> bytes:
    request.with_header(correlation_id=correlation_id, client_id="bench")
    return bytes(request.encode(header=True, framed=True))


def produce_request() -> bytes:
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False, producer_id=-1,
                                        producer_epoch=-1, base_sequence=-1, batch_size=1 << 20)
    builder.append(0, timestamp=1_700_000_000_000, key=None, value=b"x" * 100, headers=[])
    records = bytes(builder.build())
    request = ProduceRequest(version=8, transactional_id=None, acks=1, timeout_ms=30_000, topic_data=[
        ProduceRequest.TopicProduceData(name=TOPIC, partition_data=[
            ProduceRequest.TopicProduceData.PartitionProduceData(index=0, records=records)])])
    return _frame(request, 7)


def _librdkafka(bootstrap: str, n: int) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "acks": 1,
                         "max.in.flight.requests.per.connection": 1, "enable.idempotence": False})
    for _ in range(n):
        producer.produce(TOPIC, b"x" * 100, partition=0)
        producer.flush(10)


def trial(run, source: Path, tmp: Path, n: int, client: str = "raw") -> float:
    """Broker CPU µs per request of one fresh broker whose ``kcli`` package is under ``source``."""

    broker = run.BrokerProcess(Path(tempfile.mkdtemp(dir=tmp)), pythonpath=source)
    try:
        host, port = broker.bootstrap.rsplit(":", 1)
        with socket.create_connection((host, int(port))) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            create = CreateTopicsRequest(version=1, topics=[CreateTopicsRequest.CreatableTopic(
                name=TOPIC, num_partitions=1, replication_factor=1, assignments=[], configs=[])],
                timeout_ms=10_000, validate_only=False)
            _call(sock, _frame(create, 1))
            request = produce_request()
            for _ in range(min(n, 2_000)):  # warm-up
                _call(sock, request)
        if client == "librdkafka":
            _librdkafka(broker.bootstrap, min(n, 500))  # warm-up (connections, metadata)
            before = broker.cpu_seconds()
            _librdkafka(broker.bootstrap, n)
            return (broker.cpu_seconds() - before) / n * 1e6
        with socket.create_connection((host, int(port))) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            before = broker.cpu_seconds()
            for _ in range(n):
                _call(sock, request)
            return (broker.cpu_seconds() - before) / n * 1e6
    finally:
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with (default main)")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--trials", type=int, default=3, help="trials per side, alternating (default 3)")
    parser.add_argument("--client", choices=("raw", "librdkafka"), default="raw")
    args = parser.parse_args()
    run = produce_ab._bench_run()
    results: dict[str, list[float]] = {"baseline": [], "this tree": []}
    with tempfile.TemporaryDirectory(prefix="kcli-produce-cpu-") as tmp:
        baseline = Path(tmp) / "baseline"
        baseline.mkdir()
        run.baseline_source(args.baseline, baseline)
        for i in range(args.trials):
            for side, source in (("baseline", baseline), ("this tree", produce_ab.ROOT)):
                cpu = trial(run, source, Path(tmp), args.requests, args.client)
                results[side].append(cpu)
                print(f"trial {i + 1} {side:9}  broker CPU {cpu:6.1f} µs/request", flush=True)
    medians = {side: statistics.median(v) for side, v in results.items()}
    for side, cpu in medians.items():
        print(f"median {side:9}  broker CPU {cpu:6.1f} µs/request")
    print(f"ratio this tree / baseline: {medians['this tree'] / medians['baseline']:.3f}")


if __name__ == "__main__":
    main()
