"""kcli stream's throughput and its cost per message next to a bare kafka-python loop, in one run.

    python bench/stream.py [--messages N] [--rabbit-messages M] [--trials T]

Starts kcli's broker (``server-start`` as a subprocess, port 0, a temporary directory) and, when Debian's
rabbitmq-server is installed, an isolated RabbitMQ node of its own (own name, ports, data; stopped at the
end). Fills a topic with N JSON messages of 100 bytes, then, each reading the whole topic in its own
consumer group:

* bare (T trials, alternating with the next): a kafka-python KafkaConsumer + KafkaProducer loop — poll, ``json.loads``, ``json.dumps``, send,
  flush, commit per batch: the least a Python consume-produce loop does;
* Kafka → Processor → Kafka: ``kcli stream``'s runner with ``def process(order: dict) -> dict``;
* Kafka → Processor → RabbitMQ: the same function, its output bound to a RabbitMQ exchange
  (persistent messages, a transaction committed per batch), over M messages.

Each figure is messages per second from the first message received (group joins left out, for all
three) to the last output acknowledged and its input committed. The runner's overhead per message is its time per message minus the bare loop's, and the
ratio of the two. The machine's other load counts: say so when you quote the numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from run import BrokerProcess  # noqa: E402 - bench/ is not a package; run.py starts the broker the same way

APP = '''
def process(order: dict) -> dict:
    order["brewed"] = True
    return order
'''


def payload(n: int) -> bytes:
    body = json.dumps({"id": n, "coffee": "latte", "note": ""})
    return json.dumps({"id": n, "coffee": "latte", "note": "x" * (100 - len(body))}).encode()


def fill(bootstrap: str, topic: str, n: int) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    for i in range(n):
        producer.send(topic, payload(i), headers=[("contentType", b"application/json")])
    producer.flush()
    producer.close()


def bare(bootstrap: str, topic: str, n: int, group: str) -> float:
    """Seconds for a bare kafka-python consume-transform-produce loop to pass ``n`` messages on."""
    from kafka import KafkaConsumer, KafkaProducer

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                             auto_offset_reset="earliest", max_poll_records=500)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    done, started = 0, 0.0
    deadline = time.monotonic() + 300
    while done < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"the bare loop passed {done} of {n} messages in 300 s")
        batches = consumer.poll(timeout_ms=500)
        if batches and not started:
            started = time.perf_counter()
        for records in batches.values():
            for r in records:
                order = json.loads(r.value)
                order["brewed"] = True
                producer.send("bare-out", json.dumps(order).encode(), headers=[("contentType", b"application/json")])
                done += 1
        producer.flush()
        consumer.commit()
    elapsed = time.perf_counter() - started
    consumer.close()
    producer.close()
    return elapsed


def runner(tmp: Path, props: dict[str, str], n: int) -> float:
    """Seconds for kcli stream's runner to pass ``n`` messages through ``process``."""
    from kcli.stream.application import load
    from kcli.stream.runner import StreamRunner

    app = tmp / f"bench_app_{len(list(tmp.glob('bench_app_*')))}.py"
    app.write_text(APP)
    stream = StreamRunner(load(str(app), None, props), poll_timeout_s=0.1)
    stream.start()
    into = next(s for s in stream.status if s.binding == "process-in-0")
    out = next(s for s in stream.status if s.binding == "process-out-0")
    deadline = time.monotonic() + 300
    try:
        while not into.received:
            _check(stream, deadline, out, n)
            time.sleep(0.001)
        started = time.perf_counter()
        while out.sent < n:
            _check(stream, deadline, out, n)
            time.sleep(0.001)
    except BaseException:
        stream.stop()
        raise
    stream.stop()  # the last batch is flushed and committed before it returns
    return time.perf_counter() - started


def _check(stream, deadline: float, out, n: int) -> None:
    if stream.errors or time.monotonic() > deadline:
        raise SystemExit(f"the runner passed {out.sent} of {n} messages: {stream.errors or 'not within 300 s'}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--rabbit-messages", type=int, default=20000)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args(argv)
    n = args.messages
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        broker = BrokerProcess(tmp / "kafka-logs")
        rabbit = None
        try:
            fill(broker.bootstrap, "orders", n)
            kafka = {"spring.cloud.stream.kafka.binder.brokers": broker.bootstrap,
                     "spring.cloud.stream.bindings.process-in-0.destination": "orders"}
            bares, kks = [], []
            for trial in range(args.trials):  # alternating, each in a consumer group of its own; the median counts
                bares.append(bare(broker.bootstrap, "orders", n, f"bare-{trial}"))
                kks.append(runner(tmp, {**kafka, "spring.cloud.stream.bindings.process-in-0.group": f"stream-kafka-{trial}",
                                        "spring.cloud.stream.bindings.process-out-0.destination": "stream-out"}, n))
            t_bare, t_kk = statistics.median(bares), statistics.median(kks)
            rows = [("bare kafka-python loop", n, t_bare), ("Kafka → Processor → Kafka", n, t_kk)]
            try:  # the tests' isolated node (its module imports pytest, for the tests' skips)
                from tests.rabbit_real import RealRabbitMQ, rabbitmq_sbin
            except ImportError:
                RealRabbitMQ, rabbitmq_sbin = None, lambda: None  # type: ignore[assignment,misc]
            sbin = rabbitmq_sbin()
            if sbin is not None:
                (tmp / "rabbitmq").mkdir()
                rabbit = RealRabbitMQ(sbin, tmp / "rabbitmq")
                rabbit.start()
                m = min(args.rabbit_messages, n)
                t_kr = runner(tmp, {**kafka, "spring.cloud.stream.bindings.process-in-0.group": "stream-rabbit",
                                    "spring.cloud.stream.bindings.process-out-0.destination": "cups",
                                    "spring.cloud.stream.bindings.process-out-0.binder": "rabbit",
                                    "spring.cloud.stream.bindings.process-out-0.producer.required-groups": "bench",
                                    "spring.rabbitmq.host": rabbit.host, "spring.rabbitmq.port": str(rabbit.port)}, m)
                rows.append(("Kafka → Processor → RabbitMQ", m, t_kr))
            else:
                print("RabbitMQ is not installed (apt-get install rabbitmq-server): no Kafka → RabbitMQ figure")
        finally:
            if rabbit is not None:
                rabbit.stop()
            broker.stop()
    print(f"{'path':<30} {'messages':>8} {'msg/s':>9} {'µs/msg':>8}")
    for name, count, seconds in rows:
        print(f"{name:<30} {count:>8} {count / seconds:>9.0f} {seconds / count * 1e6:>8.1f}")
    per_bare, per_kk = t_bare / n, t_kk / n
    print(f"runner overhead per message (Kafka → Kafka): {(per_kk - per_bare) * 1e6:.1f} µs; "
          f"runner / bare time ratio: {per_kk / per_bare:.2f}")
    if len(rows) == 3:
        print(f"Kafka → RabbitMQ / bare time-per-message ratio: {(rows[2][2] / rows[2][1]) / per_bare:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
