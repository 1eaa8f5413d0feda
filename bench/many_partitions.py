"""A topic of 1,000 partitions on one or more kcli checkouts, side by side in one run: broker CPU and files.

    python bench/many_partitions.py [--partitions N] [--produce N] CHECKOUT [CHECKOUT ...]

Each CHECKOUT is a directory holding a ``kcli`` package (the broker runs with it first on PYTHONPATH, from
its data directory). Against a broker it starts (port 0, temporary data directory), over raw Kafka frames:

- CreateTopics of one topic with ``--partitions`` partitions: wall time and broker CPU; then the longest
  stall of the broker's event loop while a second such topic is created (the slowest ApiVersions round
  trip of a second connection pinging it in a loop), and that topic deleted;
- Metadata v7 for every topic and ListOffsets v5 (latest, every partition): broker CPU per request;
- the broker's open file descriptors, then its start-up time (launch to the ``started`` line) and
  descriptors after a clean restart;
- with ``--produce N``, N 100-byte records spread over the partitions by kcat (confluent-kafka without it):
  records/s and broker CPU.

Broker CPU is the process's user + system time (psutil) around each phase. The checkouts take turns per
phase, so a busy machine slows them alike.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from kafka.protocol.admin import CreateTopicsRequest, CreateTopicsResponse, DeleteTopicsRequest, DeleteTopicsResponse
from kafka.protocol.consumer import ListOffsetsRequest, ListOffsetsResponse
from kafka.protocol.metadata import ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse

STARTED = re.compile(r"started on (\S+):(\d+)")
TOPIC = "many"


class Broker:
    def __init__(self, checkout: Path, log_dir: Path):
        log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(checkout)}
        launched = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kcli", "server-start",
             "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", f"log.dirs={log_dir}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=log_dir, env=env,
        )
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            match = STARTED.search(line)
            if match:
                self.ready_ms = (time.perf_counter() - launched) * 1000
                self.address = (match.group(1), int(match.group(2)))
                break
        else:
            raise SystemExit(f"the broker of {checkout} exited with {self.proc.wait()} before its 'started' line")
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        self.ps = psutil.Process(self.proc.pid)

    def cpu(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system

    def fds(self) -> int:
        return self.ps.num_fds()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)


class Wire:
    def __init__(self, address):
        self.sock = socket.create_connection(address, timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.correlation_id = 0

    def call(self, request, response_class, version):
        self.correlation_id += 1
        request.API_VERSION = version
        request.with_header(correlation_id=self.correlation_id, client_id="bench")
        self.sock.sendall(bytes(request.encode(header=True, framed=True)))
        size = struct.unpack(">i", self._read(4))[0]
        return response_class.decode(self._read(size), version=version, header=True)

    def _read(self, n):
        chunks, got = [], 0
        while got < n:
            chunk = self.sock.recv(n - got)
            if not chunk:
                raise ConnectionError("closed")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def close(self):
        self.sock.close()


def _create(broker: Broker, partitions: int) -> dict:
    """CreateTopics: wall time and broker CPU alone; then, for a second topic (deleted after), the event loop's
    longest stall meanwhile, seen by a second connection pinging with ApiVersions (its CPU is not counted)."""
    wire = Wire(broker.address)
    cpu, began = broker.cpu(), time.perf_counter()
    _create_topic(wire, TOPIC, partitions)
    figures = {"create_s": time.perf_counter() - began, "create_cpu_s": broker.cpu() - cpu}
    pinger, stop, rtts = Wire(broker.address), threading.Event(), []

    def ping():
        while not stop.is_set():
            began = time.perf_counter()
            pinger.call(ApiVersionsRequest(), ApiVersionsResponse, 0)
            rtts.append(time.perf_counter() - began)

    thread = threading.Thread(target=ping)
    thread.start()
    _create_topic(wire, "stall-probe", partitions)
    stop.set()
    thread.join()
    figures["create_max_stall_ms"] = max(rtts, default=0) * 1000
    figures["create_ping_p50_ms"] = sorted(rtts)[len(rtts) // 2] * 1000 if rtts else 0
    response = wire.call(DeleteTopicsRequest(topic_names=["stall-probe"], timeout_ms=60000), DeleteTopicsResponse, 3)
    assert response.responses[0].error_code == 0, response
    wire.close()
    pinger.close()
    return figures


def _create_topic(wire: Wire, name: str, partitions: int) -> None:
    topic = CreateTopicsRequest.CreatableTopic(name=name, num_partitions=partitions, replication_factor=1, assignments=[], configs=[])
    response = wire.call(CreateTopicsRequest(topics=[topic], timeout_ms=60000, validate_only=False), CreateTopicsResponse, 3)
    assert response.topics[0].error_code == 0, response


def _per_request(broker: Broker, request, response_class, version: int, n: int) -> tuple[float, float]:
    """(broker CPU ms, wall ms) per request, over ``n`` requests on one connection."""
    wire = Wire(broker.address)
    wire.call(request, response_class, version)  # warm
    cpu, began = broker.cpu(), time.perf_counter()
    for _ in range(n):
        wire.call(request, response_class, version)
    wall = (time.perf_counter() - began) / n * 1000
    spent = (broker.cpu() - cpu) / n * 1000
    wire.close()
    return spent, wall


def _produce(broker: Broker, partitions: int, n: int, work: Path) -> float:
    """Records/s for ``n`` 100-byte keyless records, spread at random over the partitions by kcat (a C client, so
    that the client is not the bottleneck), or by confluent-kafka from Python when kcat is missing."""
    bootstrap = f"{broker.address[0]}:{broker.address[1]}"
    if shutil.which("kcat"):
        lines = work / "records.txt"
        if not lines.exists():
            lines.write_bytes((b"x" * 100 + b"\n") * n)
        with open(lines, "rb") as records:
            began = time.perf_counter()
            subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", TOPIC, "-X", "linger.ms=5", "-X", "partitioner=random", "-X", "sticky.partitioning.linger.ms=0"],
                           stdin=records, check=True, timeout=600)
        return n / (time.perf_counter() - began)
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "queue.buffering.max.messages": 2_000_000, "acks": 1})
    value = b"x" * 100
    began = time.perf_counter()
    for i in range(n):
        while True:
            try:
                producer.produce(TOPIC, value, partition=i % partitions)
                break
            except BufferError:
                producer.poll(0.01)
    producer.flush(120)
    return n / (time.perf_counter() - began)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--partitions", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=100, help="Metadata / ListOffsets requests per figure")
    parser.add_argument("--produce", type=int, default=0, help="records to produce (0: skip)")
    args = parser.parse_args(argv)
    results: dict[Path, dict] = {c: {} for c in args.checkouts}
    with tempfile.TemporaryDirectory(prefix="kcli-bench-partitions-") as work:
        brokers = {}
        for i, checkout in enumerate(args.checkouts):
            brokers[checkout] = Broker(checkout.resolve(), Path(work) / f"logs-{i}")
            results[checkout]["start_empty_ms"] = brokers[checkout].ready_ms
        try:
            for checkout, broker in brokers.items():
                results[checkout].update(_create(broker, args.partitions))
                results[checkout]["fds_after_create"] = broker.fds()
            metadata = MetadataRequest(topics=None, allow_auto_topic_creation=False)
            T, P = ListOffsetsRequest.ListOffsetsTopic, ListOffsetsRequest.ListOffsetsTopic.ListOffsetsPartition
            offsets = ListOffsetsRequest(replica_id=-1, isolation_level=0, topics=[
                T(name=TOPIC, partitions=[P(partition_index=p, current_leader_epoch=-1, timestamp=-1) for p in range(args.partitions)])])
            for checkout, broker in brokers.items():
                results[checkout]["metadata_cpu_ms"], results[checkout]["metadata_wall_ms"] = _per_request(
                    broker, metadata, MetadataResponse, 7, args.requests)
            for checkout, broker in brokers.items():
                results[checkout]["list_offsets_cpu_ms"], results[checkout]["list_offsets_wall_ms"] = _per_request(
                    broker, offsets, ListOffsetsResponse, 5, max(args.requests // 4, 1))
            if args.produce:
                for checkout, broker in brokers.items():
                    cpu = broker.cpu()
                    results[checkout]["produce_msg_s"] = _produce(broker, args.partitions, args.produce, Path(work))
                    results[checkout]["produce_cpu_s"] = broker.cpu() - cpu
                    results[checkout]["fds_after_produce"] = broker.fds()
            for i, (checkout, broker) in enumerate(brokers.items()):
                broker.stop()
                brokers[checkout] = again = Broker(checkout.resolve(), Path(work) / f"logs-{i}")
                results[checkout]["restart_ms"] = again.ready_ms
                results[checkout]["restart_cpu_s"] = again.cpu()
                results[checkout]["fds_after_restart"] = again.fds()
        finally:
            for broker in brokers.values():
                if broker.proc.poll() is None:
                    broker.stop()
    names = list(results)
    keys = list(dict.fromkeys(k for r in results.values() for k in r))
    width = max(len(k) for k in keys)
    print(f"{'':{width}}  " + "  ".join(f"{str(n)[-24:]:>24}" for n in names))
    for key in keys:
        print(f"{key:{width}}  " + "  ".join(f"{results[n].get(key, float('nan')):>24.3f}" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
