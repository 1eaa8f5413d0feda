"""What transactions cost: transactional produce (1,000-record transactions) against plain idempotent produce, in one run.

    python bench/transactions.py [--messages N] [--per-transaction K] [--trials T]

One kcli broker (``server-start`` as a subprocess, port 0, a temporary data directory). Each trial produces N
100-byte messages with confluent-kafka to partition 0 of a 1-partition topic, ``linger.ms=5``, timed from the first
``produce()`` to the end: ``flush()`` for the idempotent producer (``enable.idempotence=true``), the last
``commit_transaction()`` for the transactional one (``transactional.id`` set, ``begin_transaction()`` … K records …
``commit_transaction()``, so each transaction adds an AddPartitionsToTxn, an EndTxn, its prepare and complete records
in ``__transaction_state`` and a COMMIT marker). Producers are made and ``init_transactions()`` is called before
the clock starts. Trials alternate; the median msg/s of each is printed with the ratio transactional / idempotent.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BrokerProcess  # noqa: E402 - bench/ is not a package; run.py starts the broker the same way

PAYLOAD = b"x" * 100


def idempotent(bootstrap: str, topic: str, n: int, _k: int) -> float:
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5,
                         "queue.buffering.max.messages": 1_000_000})
    producer.list_topics(topic, timeout=10)
    started = time.perf_counter()
    for _ in range(n):
        producer.produce(topic, PAYLOAD, partition=0)
        producer.poll(0)
    if producer.flush(120) != 0:
        raise SystemExit("idempotent produce did not finish")
    return n / (time.perf_counter() - started)


def transactional(bootstrap: str, topic: str, n: int, k: int) -> float:
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"bench-{topic}", "linger.ms": 5,
                         "queue.buffering.max.messages": 1_000_000})
    producer.init_transactions(30)
    started = time.perf_counter()
    for first in range(0, n, k):
        producer.begin_transaction()
        for _ in range(min(k, n - first)):
            producer.produce(topic, PAYLOAD, partition=0)
            producer.poll(0)
        producer.commit_transaction(120)
    return n / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--per-transaction", type=int, default=1_000)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args(argv)
    rates: dict[str, list[float]] = {"idempotent": [], "transactional": []}
    with tempfile.TemporaryDirectory(prefix="kcli-txn-bench-") as tmp:
        broker = BrokerProcess(Path(tmp) / "logs")
        try:
            admin = AdminClient({"bootstrap.servers": broker.bootstrap})
            for trial in range(args.trials):
                for kind, run in (("idempotent", idempotent), ("transactional", transactional)):
                    topic = f"{kind}-{trial}"
                    for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
                        future.result(30)
                    rates[kind].append(run(broker.bootstrap, topic, args.messages, args.per_transaction))
        finally:
            broker.stop()
    medians = {kind: statistics.median(r) for kind, r in rates.items()}
    print(f"{args.trials} trials of {args.messages} messages of {len(PAYLOAD)} bytes; transactions of {args.per_transaction}")
    for kind, rate in medians.items():
        print(f"{kind:>14}: {rate:>10,.0f} msg/s   (trials: {', '.join(f'{r:,.0f}' for r in rates[kind])})")
    print(f"transactional / idempotent: {medians['transactional'] / medians['idempotent']:.2f}")


if __name__ == "__main__":
    main()
