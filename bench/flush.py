"""What an fsync per acknowledgement costs: produce requests under flush.messages=1 against Kafka's default, in one run.

    python bench/flush.py [--requests N] [--producers P] [--trials T]

One kcli broker (``server-start`` as a subprocess, port 0, a temporary data
directory — put it on the disk you care about with TMPDIR) serves two topics:
``paged`` (Kafka's default: the page cache, no fsync) and ``synced``
(``flush.messages=1``: the log is fsynced before each acknowledgement). Each
request carries one 100-byte message, produced with confluent-kafka at
``acks=1`` and ``linger.ms=0`` and awaited (``flush()``) before the next, so
requests and fsyncs are one to one for a single producer.

* sequential: one producer, N requests; the median time per request over the trials.
* concurrent: P producers at once, N/P requests each; requests per second in
  total, and the added time per request (1/rate synced − 1/rate paged). Their
  fsyncs are grouped (one fsync round covers every request that arrived while
  the previous one ran), so the cost per request falls.

Trials alternate between the topics. Prints each figure for both topics, the
difference per request (the fsync's cost) and the ratio synced / paged.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BrokerProcess  # noqa: E402 - bench/ is not a package; run.py starts the broker the same way

PAYLOAD = b"x" * 100
TOPICS = {"paged": {}, "synced": {"flush.messages": "1"}}


def request_loop(bootstrap: str, topic: str, n: int, times: list[float] | None = None) -> None:
    """``n`` produce requests of one message each, each acknowledged before the next is sent."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": 1, "linger.ms": 0, "enable.idempotence": False})
    producer.list_topics(topic, timeout=10)
    for _ in range(n):
        started = time.perf_counter()
        producer.produce(topic, PAYLOAD, partition=0)
        if producer.flush(30) != 0:
            raise SystemExit(f"a produce to {topic} was not acknowledged")
        if times is not None:
            times.append(time.perf_counter() - started)


def sequential(bootstrap: str, topic: str, n: int) -> float:
    """Median seconds per request."""
    times: list[float] = []
    request_loop(bootstrap, topic, n, times)
    return statistics.median(times)


def concurrent(bootstrap: str, topic: str, n: int, producers: int) -> float:
    """Requests per second with ``producers`` producers at once."""
    threads = [threading.Thread(target=request_loop, args=(bootstrap, topic, n // producers)) for _ in range(producers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return producers * (n // producers) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2_000, help="requests per trial (default 2000)")
    parser.add_argument("--producers", type=int, default=8, help="producers in the concurrent load (default 8)")
    parser.add_argument("--trials", type=int, default=3, help="trials per topic and load (default 3)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kcli-flush-bench-") as tmp:
        broker = BrokerProcess(Path(tmp) / "logs")
        try:
            admin = AdminClient({"bootstrap.servers": broker.bootstrap})
            for future in admin.create_topics([NewTopic(t, 1, 1, config=c) for t, c in TOPICS.items()]).values():
                future.result(30)
            del admin  # an idle client would log the broker's stop
            for topic in TOPICS:  # warm-up: connections, metadata, the first segment's directory entry
                request_loop(broker.bootstrap, topic, 50)
            per_request: dict[str, list[float]] = {t: [] for t in TOPICS}
            rates: dict[str, list[float]] = {t: [] for t in TOPICS}
            for _ in range(args.trials):
                for topic in TOPICS:
                    per_request[topic].append(sequential(broker.bootstrap, topic, args.requests))
                for topic in TOPICS:
                    rates[topic].append(concurrent(broker.bootstrap, topic, args.requests, args.producers))
        finally:
            broker.stop()

    seq = {t: statistics.median(v) * 1e3 for t, v in per_request.items()}
    conc = {t: statistics.median(v) for t, v in rates.items()}
    print(f"data directory under {Path(tempfile.gettempdir()).resolve()}; {args.trials} trials of {args.requests} "
          f"requests per topic and load, one 100-byte message per request, acks=1")
    print(f"{'load':<34}{'paged (default)':>17}{'synced (flush.messages=1)':>28}{'ratio':>9}")
    print(f"{'sequential: ms per request':<34}{seq['paged']:>17.3f}{seq['synced']:>28.3f}{seq['synced'] / seq['paged']:>9.2f}")
    print(f"{f'{args.producers} producers: requests/s':<34}{conc['paged']:>17,.0f}{conc['synced']:>28,.0f}"
          f"{conc['synced'] / conc['paged']:>9.2f}")
    print(f"fsync cost per request: {seq['synced'] - seq['paged']:.3f} ms with one producer (its round trip grows by "
          f"the fsync); {(1 / conc['synced'] - 1 / conc['paged']) * 1e3:.3f} ms of throughput per request with "
          f"{args.producers} producers sharing fsync rounds")


if __name__ == "__main__":
    main()
