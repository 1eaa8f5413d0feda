"""Produce and consume throughput over PLAINTEXT, SSL and SASL_SSL (SCRAM-SHA-256), in one run.

    python bench/security.py [--messages N] [--size BYTES] [--trials T]

One kcli broker (``server-start`` as a subprocess, port 0 on each listener, a
temporary data directory) serves the three listeners with a certificate made
by ``kcli certs``. For each listener in turn, confluent-kafka produces
``--messages`` messages of ``--size`` bytes (acks=1, linger.ms=5) to its own
topic and waits for every delivery, then a consumer reads them all back from
the beginning. Trials alternate between the listeners; the median messages per
second and MB/s of each is printed. The figures are for this machine only.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from confluent_kafka import Consumer, Producer
from kafka import KafkaAdminClient
from kafka.admin import UserScramCredentialUpsertion

from kcli.tools import certs as dev_certs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        certs = dev_certs.make(work / "certs", ["localhost", "127.0.0.1"])
        overrides = {"listeners": "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0", "log.dirs": str(work / "logs"),
                     "sasl.enabled.mechanisms": "SCRAM-SHA-256", **certs.broker_properties()}
        command = [sys.executable, "-m", "kcli", "server-start", *[a for k, v in overrides.items() for a in ("--override", f"{k}={v}")]]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            ports = _ports(server)
            admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{ports['PLAINTEXT']}")
            admin.alter_user_scram_credentials([UserScramCredentialUpsertion("bench", "SCRAM-SHA-256", "bench-secret")])
            admin.close()
            settings = {
                "PLAINTEXT": {},
                "SSL": {"security.protocol": "SSL", "ssl.ca.location": str(certs.ca)},
                "SASL_SSL": {"security.protocol": "SASL_SSL", "ssl.ca.location": str(certs.ca), "sasl.mechanism": "SCRAM-SHA-256",
                             "sasl.username": "bench", "sasl.password": "bench-secret"},
            }
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in settings}
            for trial in range(args.trials):
                for name, extra in settings.items():
                    common = {"bootstrap.servers": f"localhost:{ports[name]}", **extra}
                    results[name].append(_trial(common, f"bench-{name.lower()}-{trial}", args.messages, args.size))
            print(f"{args.messages} messages of {args.size} bytes, median of {args.trials} trials (shared machine):")
            for name, runs in results.items():
                produce = statistics.median(r[0] for r in runs)
                consume = statistics.median(r[1] for r in runs)
                print(f"  {name:10} produce {produce:10,.0f} msg/s ({produce * args.size / 1e6:6.1f} MB/s)   "
                      f"consume {consume:10,.0f} msg/s ({consume * args.size / 1e6:6.1f} MB/s)")
        finally:
            server.terminate()
            server.wait(30)


def _ports(server) -> dict[str, int]:
    ports = {}
    for line in server.stdout:
        match = re.search(r"listener\s+(\w+)://[^:]+:(\d+)", line)
        if match:
            ports[match.group(1)] = int(match.group(2))
        if "started" in line and ports:
            return ports
    raise SystemExit("the broker did not start")


def _trial(common: dict, topic: str, messages: int, size: int) -> tuple[float, float]:
    producer = Producer({**common, "acks": "1", "linger.ms": 5, "queue.buffering.max.messages": 1_000_000})
    payload = b"x" * size
    start = time.perf_counter()
    for _ in range(messages):
        while True:
            try:
                producer.produce(topic, payload)
                break
            except BufferError:
                producer.poll(0.01)
    assert producer.flush(120) == 0
    produced = messages / (time.perf_counter() - start)
    consumer = Consumer({**common, "group.id": topic, "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    got = 0
    start = None
    while got < messages:
        batch = consumer.consume(10_000, 5.0)
        if batch and start is None:
            start = time.perf_counter() - 1e-9
        got += sum(1 for m in batch if m.error() is None)
    consumed = messages / (time.perf_counter() - start)
    consumer.close()
    return produced, consumed


if __name__ == "__main__":
    main()
