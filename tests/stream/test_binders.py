"""The Kafka and RabbitMQ binders against kcli's broker and a real RabbitMQ node: a Kafka → Processor → Kafka
binding, retries with back-off then the dead-letter destination with Spring's headers on both binders, and
partitioning with Spring's rule across two instances."""

from __future__ import annotations

import json
import struct

import pytest

from kcli.stream.partitioning import select_partition
from tests.stream.apps import start
from tests.stream.conftest import rabbit_props
from tests.waiting import wait_for


def _kafka_records(bootstrap: str, topic: str, count: int, timeout: float = 30) -> list:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None,
                             consumer_timeout_ms=500)
    records: list = []
    try:
        wait_for(lambda: records.extend(consumer) or len(records) >= count, timeout, f"{count} records on {topic}")
    finally:
        consumer.close()
    return records


def _produce(bootstrap: str, topic: str, values: list[bytes], headers=(("contentType", b"application/json"),)) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for value in values:
        producer.send(topic, value, headers=list(headers))
    producer.flush()
    producer.close()


UPPERCASE = '''
def uppercase(word: str) -> str:
    return word.upper()
'''


def test_kafka_processor_kafka(broker, tmp_path):
    runner, _ = start(tmp_path, UPPERCASE, {
        "spring.cloud.stream.kafka.binder.brokers": broker.bootstrap,
        "spring.cloud.stream.bindings.uppercase-in-0.destination": "words",
        "spring.cloud.stream.bindings.uppercase-in-0.group": "upper",
        "spring.cloud.stream.bindings.uppercase-out-0.destination": "shouted",
    })
    try:
        words = [f"word{n}" for n in range(300)]
        _produce(broker.bootstrap, "words", [w.encode() for w in words], headers=[("contentType", b"text/plain")])
        records = _kafka_records(broker.bootstrap, "shouted", len(words))
    finally:
        runner.stop()
    assert [r.value.decode() for r in records] == [w.upper() for w in words]
    assert dict(records[0].headers)["contentType"] == b"text/plain"
    status = {s.binding: s for s in runner.status}
    assert (status["uppercase-in-0"].received, status["uppercase-out-0"].sent) == (300, 300)


FLAKY = '''
import time
CALLS = []

def check(order: dict) -> dict:
    CALLS.append((order["id"], time.monotonic()))
    if order["id"] == 3:
        raise ValueError("order 3 cannot be brewed")
    if order["id"] == 4:
        raise KeyError("no such coffee")
    return order
'''

RETRY_PROPS = {
    "spring.cloud.stream.bindings.check-in-0.destination": "orders",
    "spring.cloud.stream.bindings.check-in-0.group": "checkers",
    "spring.cloud.stream.bindings.check-in-0.consumer.max-attempts": "3",
    "spring.cloud.stream.bindings.check-in-0.consumer.back-off-initial-interval": "100",
    "spring.cloud.stream.bindings.check-in-0.consumer.back-off-multiplier": "2",
    "spring.cloud.stream.bindings.check-in-0.consumer.retryable-exceptions.KeyError": "false",
    "spring.cloud.stream.bindings.check-out-0.destination": "checked",
}


def _assert_retried(calls) -> None:
    attempts = {n: [t for i, t in calls if i == n] for n in (1, 2, 3, 4, 5)}
    assert [len(attempts[n]) for n in (1, 2, 3, 4, 5)] == [1, 1, 3, 1, 1]  # KeyError is not retryable here
    first, second, third = attempts[3]
    assert second - first >= 0.095 and third - second >= 0.195  # 100 ms, then × 2


def test_kafka_retries_with_back_off_then_dead_letters_with_springs_headers(broker, tmp_path):
    props = {**RETRY_PROPS, "spring.cloud.stream.kafka.binder.brokers": broker.bootstrap,
             "spring.cloud.stream.kafka.bindings.check-in-0.consumer.enable-dlq": "true"}
    runner, app = start(tmp_path, FLAKY, props)
    try:
        _produce(broker.bootstrap, "orders", [json.dumps({"id": n}).encode() for n in range(1, 6)])
        checked = _kafka_records(broker.bootstrap, "checked", 3)
        dead = _kafka_records(broker.bootstrap, "error.orders.checkers", 2)
    finally:
        runner.stop()
    assert sorted(json.loads(r.value)["id"] for r in checked) == [1, 2, 5]  # the rest flowed on
    _assert_retried(app.CALLS)
    by_id = {json.loads(r.value)["id"]: dict(r.headers) for r in dead}
    h = by_id[3]
    assert h["x-original-topic"] == b"orders"
    assert struct.unpack(">i", h["x-original-partition"]) == (0,)
    assert struct.unpack(">q", h["x-original-offset"]) == (2,)
    assert h["x-exception-fqcn"] == b"builtins.ValueError"
    assert h["x-exception-message"] == b"order 3 cannot be brewed"
    assert b"ValueError: order 3 cannot be brewed" in h["x-exception-stacktrace"]
    assert h["contentType"] == b"application/json"
    assert by_id[4]["x-exception-fqcn"] == b"builtins.KeyError"
    status = {s.binding: s for s in runner.status}["check-in-0"]
    assert (status.received, status.failed, status.dead_lettered) == (5, 2, 2)


def test_rabbit_retries_with_back_off_then_dead_letters_with_springs_headers(rabbitmq, vhost, tmp_path):
    import pika

    props = {**RETRY_PROPS, **rabbit_props(rabbitmq, vhost), "spring.cloud.stream.default-binder": "rabbit",
             "spring.cloud.stream.rabbit.bindings.check-in-0.consumer.auto-bind-dlq": "true",
             "spring.cloud.stream.bindings.check-out-0.producer.required-groups": "audit"}
    runner, app = start(tmp_path, FLAKY, props)
    connection = pika.BlockingConnection(pika.ConnectionParameters(rabbitmq.host, rabbitmq.port, vhost))
    channel = connection.channel()
    try:
        for n in range(1, 6):
            channel.basic_publish("orders", "orders", json.dumps({"id": n}).encode(),
                                  pika.BasicProperties(content_type="application/json"))

        def drained(queue: str, count: int) -> list:
            got: list = []

            def more():
                method, props_, body = channel.basic_get(queue, auto_ack=True)
                if method:
                    got.append((props_, body))
                return len(got) >= count
            wait_for(more, 30, f"{count} messages in {queue}")
            return got

        checked = drained("checked.audit", 3)
        dead = drained("orders.checkers.dlq", 2)
    finally:
        connection.close()
        runner.stop()
    assert sorted(json.loads(body)["id"] for _, body in checked) == [1, 2, 5]
    _assert_retried(app.CALLS)
    by_id = {json.loads(body)["id"]: p.headers for p, body in dead}
    h = by_id[3]
    assert h["x-exception-message"] == "order 3 cannot be brewed"
    assert h["x-exception-fqcn"] == "builtins.ValueError"
    assert "ValueError: order 3 cannot be brewed" in h["x-exception-stacktrace"]
    assert (h["x-original-exchange"], h["x-original-routingKey"]) == ("orders", "orders")
    assert by_id[4]["x-exception-fqcn"] == "builtins.KeyError"


ROUTE = '''
def route(order: dict) -> dict:
    return order
'''

TABLE = '''
from kcli.stream import Message
SEEN = []

def table(order: Message[dict]) -> None:
    SEEN.append((order.payload["customer"], order.headers["kafka_receivedPartitionId"], order.headers["scst_partition"]))
'''

# Java's String.hashCode of these keys: "Aa" and "BB" collide (2112), "polygenelubricants" is Integer.MIN_VALUE.
CUSTOMERS = ["Aa", "BB", "polygenelubricants", "hello", "Hello World", "alice", "bob", "carol", "dave", "erin"]


def test_partitioning_by_key_across_two_instances_agrees_with_javas_string_hashcode(broker, tmp_path):
    common = {"spring.cloud.stream.kafka.binder.brokers": broker.bootstrap}
    router, _ = start(tmp_path, ROUTE, {
        **common,
        "spring.cloud.stream.bindings.route-in-0.destination": "orders", "spring.cloud.stream.bindings.route-in-0.group": "router",
        "spring.cloud.stream.bindings.route-out-0.destination": "tables",
        "spring.cloud.stream.bindings.route-out-0.producer.partition-key-expression": "payload['customer']",
        "spring.cloud.stream.bindings.route-out-0.producer.partition-count": "4",
    })
    instances = []
    try:
        for index in (0, 1):
            instances.append(start(tmp_path, TABLE, {
                **common,
                "spring.cloud.stream.bindings.table-in-0.destination": "tables",
                "spring.cloud.stream.bindings.table-in-0.group": "waiters",
                "spring.cloud.stream.bindings.table-in-0.consumer.partitioned": "true",
                "spring.cloud.stream.instance-count": "2", "spring.cloud.stream.instance-index": str(index),
                "spring.cloud.stream.kafka.bindings.table-in-0.consumer.auto-rebalance-enabled": "false",
            }))
        orders = [{"customer": CUSTOMERS[n % len(CUSTOMERS)], "n": n} for n in range(200)]
        _produce(broker.bootstrap, "orders", [json.dumps(o).encode() for o in orders])
        wait_for(lambda: sum(len(app.SEEN) for _, app in instances) >= len(orders), 30, "every order at a table")
    finally:
        for runner, _ in instances:
            runner.stop()
        router.stop()
    placed: dict[str, set] = {}
    for index, (_, app) in enumerate(instances):
        for customer, partition, header in app.SEEN:
            assert int(header) == partition
            placed.setdefault(customer, set()).add((index, partition))
    assert sum(len(app.SEEN) for _, app in instances) == len(orders)
    expected = {"Aa": 0, "BB": 0, "polygenelubricants": 0, "hello": 2, "Hello World": 0}  # from Java's hashCode values
    for customer, where in placed.items():
        assert len(where) == 1, f"{customer} reached {where}"
        (index, partition), = where
        assert partition == select_partition(customer, 4) and index == partition % 2
        if customer in expected:
            assert partition == expected[customer]


@pytest.mark.parametrize("binder", ["kafka", "rabbit"])
def test_unreachable_binder_is_one_line_naming_where(binder, tmp_path):
    import socket

    from kcli.stream.errors import StreamError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    props = {"spring.cloud.stream.default-binder": binder, "spring.cloud.stream.kafka.binder.brokers": f"127.0.0.1:{port}",
             "spring.rabbitmq.host": "127.0.0.1", "spring.rabbitmq.port": str(port)}
    with pytest.raises(StreamError) as raised:
        start(tmp_path, UPPERCASE, props)
    assert f"127.0.0.1:{port}" in raised.value.message and "\n" not in raised.value.message
    assert ("kcli server-start" if binder == "kafka" else "rabbitmq-server") in raised.value.message


LISTEN = '''
HEARD = []

def listen(word: str) -> None:
    HEARD.append(word)
'''


def test_anonymous_consumers_get_springs_anonymous_group_and_queue(broker, rabbitmq, vhost, tmp_path):
    import pika
    from kafka.admin import KafkaAdminClient

    props = {"spring.cloud.stream.kafka.binder.brokers": broker.bootstrap, **rabbit_props(rabbitmq, vhost),
             "spring.cloud.stream.bindings.listen-in-0.destination": "news"}
    kafka_runner, kafka_app = start(tmp_path, LISTEN, props)
    rabbit_runner, rabbit_app = start(tmp_path, LISTEN, {**props, "spring.cloud.stream.bindings.listen-in-0.binder": "rabbit"})
    try:
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        try:
            groups = wait_for(lambda: [g["group_id"] for g in admin.list_groups() if g["group_id"].startswith("anonymous.")], 20, "the group")
            assert len(groups) == 1 and len(groups[0]) == len("anonymous.") + 36  # anonymous.<uuid>
            # it starts at the latest offset: send once it is a stable member with its partition
            wait_for(lambda: admin.describe_groups(groups)[groups[0]]["group_state"] == "Stable", 20, "the group stable")
        finally:
            admin.close()
        queues = [q for q in rabbitmq.ctl("list_queues", "-p", vhost, "name", "exclusive", "auto_delete", "--no-table-headers").splitlines()
                  if q.startswith("news.anonymous.")]
        assert len(queues) == 1 and queues[0].split()[1:] == ["true", "true"]
        connection = pika.BlockingConnection(pika.ConnectionParameters(rabbitmq.host, rabbitmq.port, vhost))
        connection.channel().basic_publish("news", "news", b"hi", pika.BasicProperties(content_type="text/plain"))
        connection.close()

        def heard() -> bool:  # until its position is resolved to the end, an anonymous consumer may miss a message
            if not kafka_app.HEARD:
                _produce(broker.bootstrap, "news", [b"hello"], headers=[("contentType", b"text/plain")])
            return bool(kafka_app.HEARD) and rabbit_app.HEARD == ["hi"]
        wait_for(heard, 20, "both heard", step=0.5)
        assert set(kafka_app.HEARD) == {"hello"}
    finally:
        kafka_runner.stop()
        rabbit_runner.stop()
    assert not [q for q in rabbitmq.ctl("list_queues", "-p", vhost, "name", "--no-table-headers").splitlines() if "anonymous" in q]



RABBIT_TABLE = '''
from kcli.stream import Message
SEEN = []

def table(order: Message[dict]) -> None:
    SEEN.append((order.payload["customer"], order.headers["amqp_receivedRoutingKey"], order.headers["scst_partition"]))
'''


def test_rabbit_partitioning_routes_by_key_to_each_instances_queues(rabbitmq, vhost, tmp_path):
    import pika

    common = {**rabbit_props(rabbitmq, vhost), "spring.cloud.stream.default-binder": "rabbit"}
    router, _ = start(tmp_path, ROUTE, {
        **common,
        "spring.cloud.stream.bindings.route-in-0.destination": "orders", "spring.cloud.stream.bindings.route-in-0.group": "router",
        "spring.cloud.stream.bindings.route-out-0.destination": "tables",
        "spring.cloud.stream.bindings.route-out-0.producer.partition-key-expression": "payload['customer']",
        "spring.cloud.stream.bindings.route-out-0.producer.partition-count": "4",
        "spring.cloud.stream.bindings.route-out-0.producer.required-groups": "waiters",
    })
    instances = []
    try:
        for indexes in ("0,2", "1,3"):
            instances.append(start(tmp_path, RABBIT_TABLE, {
                **common,
                "spring.cloud.stream.bindings.table-in-0.destination": "tables",
                "spring.cloud.stream.bindings.table-in-0.group": "waiters",
                "spring.cloud.stream.bindings.table-in-0.consumer.partitioned": "true",
                "spring.cloud.stream.bindings.table-in-0.consumer.instance-index-list": indexes,
                "spring.cloud.stream.instance-count": "2",
            }))
        connection = pika.BlockingConnection(pika.ConnectionParameters(rabbitmq.host, rabbitmq.port, vhost))
        channel = connection.channel()
        orders = [{"customer": CUSTOMERS[n % len(CUSTOMERS)], "n": n} for n in range(100)]
        for order in orders:
            channel.basic_publish("orders", "orders", json.dumps(order).encode(), pika.BasicProperties(content_type="application/json"))
        connection.close()
        wait_for(lambda: sum(len(app.SEEN) for _, app in instances) >= len(orders), 30, "every order at a table")
        queues = {q.split()[0] for q in rabbitmq.ctl("list_queues", "-p", vhost, "name", "--no-table-headers").splitlines()}
    finally:
        for runner, _ in instances:
            runner.stop()
        router.stop()
    assert {f"tables.waiters-{p}" for p in range(4)} <= queues
    placed: dict[str, set] = {}
    for index, (_, app) in enumerate(instances):
        for customer, routing_key, header in app.SEEN:
            assert routing_key == f"tables-{header}"
            placed.setdefault(customer, set()).add((index, int(header)))
    for customer, where in placed.items():
        assert len(where) == 1, f"{customer} reached {where}"
        (index, partition), = where
        assert partition == select_partition(customer, 4) and index == partition % 2


WORKERS = '''
import threading
import time
THREADS = []

def work(job: dict) -> None:
    THREADS.append(threading.current_thread().ident)
    time.sleep(0.01)
'''


def test_concurrency_runs_that_many_consumers_on_the_group_queue(rabbitmq, vhost, tmp_path):
    import pika

    runner, app = start(tmp_path, WORKERS, {**rabbit_props(rabbitmq, vhost), "spring.cloud.stream.default-binder": "rabbit",
                                            "spring.cloud.stream.bindings.work-in-0.destination": "jobs",
                                            "spring.cloud.stream.bindings.work-in-0.group": "workers",
                                            "spring.cloud.stream.bindings.work-in-0.consumer.concurrency": "2"})
    try:
        consumers = rabbitmq.ctl("list_queues", "-p", vhost, "name", "consumers", "--no-table-headers")
        assert "jobs.workers\t2" in consumers
        connection = pika.BlockingConnection(pika.ConnectionParameters(rabbitmq.host, rabbitmq.port, vhost))
        for n in range(20):
            connection.channel().basic_publish("jobs", "jobs", json.dumps({"n": n}).encode())
        connection.close()
        wait_for(lambda: len(app.THREADS) >= 20, 20, "every job done")
    finally:
        runner.stop()
    assert len(app.THREADS) == 20 and len(set(app.THREADS)) == 2  # prefetch 1: RabbitMQ deals them to both


def test_rabbit_without_republish_the_broker_dead_letters_the_rejected_message(rabbitmq, vhost, tmp_path):
    import pika

    props = {**RETRY_PROPS, **rabbit_props(rabbitmq, vhost), "spring.cloud.stream.default-binder": "rabbit",
             "spring.cloud.stream.bindings.check-in-0.consumer.max-attempts": "1",
             "spring.cloud.stream.rabbit.bindings.check-in-0.consumer.auto-bind-dlq": "true",
             "spring.cloud.stream.rabbit.bindings.check-in-0.consumer.republish-to-dlq": "false"}
    runner, _ = start(tmp_path, FLAKY, props)
    connection = pika.BlockingConnection(pika.ConnectionParameters(rabbitmq.host, rabbitmq.port, vhost))
    channel = connection.channel()
    try:
        channel.basic_publish("orders", "orders", json.dumps({"id": 3}).encode(), pika.BasicProperties(content_type="application/json"))
        dead: list = []
        wait_for(lambda: dead.append(channel.basic_get("orders.checkers.dlq", auto_ack=True)) or dead[-1][0] is not None, 20, "the DLQ")
    finally:
        connection.close()
        runner.stop()
    _, properties, body = dead[-1]
    assert json.loads(body) == {"id": 3}
    death = properties.headers["x-death"][0]
    assert (death["queue"], death["reason"], death["exchange"]) == ("orders.checkers", "rejected", "orders")
    assert "x-exception-message" not in properties.headers  # the broker dead-lettered it, not the binder
