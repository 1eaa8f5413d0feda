"""Consumer groups against the kcli broker, one real client each: join, receive, commit, resume."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kcli.broker.server import run_in_thread
from kcli.tools.group_subscription import subscribe
from tests.conftest import broker_config
from tests.e2e.test_server_process import ServerProcess, kcli, overrides
from tests.waiting import wait_for as until


@pytest.fixture
def fast_broker(tmp_path):
    """A broker that accepts short session timeouts, so expiry tests take seconds."""
    running = run_in_thread(broker_config(tmp_path / "logs", group_min_session_timeout_ms=500))
    yield running
    running.stop()


def create(bootstrap, topic, partitions=1):
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the result is in
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(10)


def produce(bootstrap, topic, values, partitions=1):
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    for i, value in enumerate(values):
        producer.produce(topic, value, partition=i % partitions)
    assert producer.flush(10) == 0



def poll_values(consumer, count, timeout=15.0) -> list[bytes]:
    got: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        message = consumer.poll(0.1)
        if message is not None and message.error() is None:
            got.append(message.value())
    return got


# -- one client each: join, get everything, commit, close; the next member resumes ------------------


def test_confluent_kafka_defaults_first_record_within_3s_and_resume_at_commit(broker):
    create(broker.bootstrap, "latte", 2)
    produce(broker.bootstrap, "latte", [b"v%d" % i for i in range(10)], partitions=2)
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "g-rk", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    subscribed = time.monotonic()
    consumer.subscribe(["latte"])
    first = poll_values(consumer, 1, timeout=3.0)
    assert first, "no record within 3 s of subscribe with librdkafka's default session timeout"
    assert time.monotonic() - subscribed < 3.0
    rest = poll_values(consumer, 9)
    assert sorted(first + rest) == sorted(b"v%d" % i for i in range(10))
    consumer.commit(asynchronous=False)
    consumer.close()

    produce(broker.bootstrap, "latte", [b"w%d" % i for i in range(4)], partitions=2)
    second = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "g-rk", "auto.offset.reset": "earliest"})
    second.subscribe(["latte"])
    assert sorted(poll_values(second, 4)) == [b"w0", b"w1", b"w2", b"w3"]
    assert poll_values(second, 1, timeout=0.5) == []  # nothing before the commit comes again
    second.close()


def test_kafka_python_group_commits_and_resumes(broker):
    from kafka import KafkaConsumer

    create(broker.bootstrap, "mocha")
    produce(broker.bootstrap, "mocha", [b"a", b"b", b"c"])

    def consume(expected):
        consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id="g-kp",
                                 auto_offset_reset="earliest", enable_auto_commit=False)
        subscribe(consumer, ["mocha"])  # as kcli's tools do: kafka-python 3.0.12 can lose a rejoin's assignment
        got = []
        deadline = time.monotonic() + 20
        while len(got) < expected and time.monotonic() < deadline:
            for records in consumer.poll(200).values():
                got.extend(r.value for r in records)
        consumer.commit()
        consumer.close()
        return got

    assert consume(3) == [b"a", b"b", b"c"]
    produce(broker.bootstrap, "mocha", [b"d"])
    assert consume(1) == [b"d"]


def test_aiokafka_group_commits_and_resumes(broker):
    from aiokafka import AIOKafkaConsumer

    create(broker.bootstrap, "cortado")
    produce(broker.bootstrap, "cortado", [b"x", b"y"])

    async def consume(expected):
        consumer = AIOKafkaConsumer("cortado", bootstrap_servers=broker.bootstrap, group_id="g-aio",
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        try:
            got = []
            while len(got) < expected:
                batches = await asyncio.wait_for(consumer.getmany(timeout_ms=200), 20)
                got.extend(r.value for records in batches.values() for r in records)
            await consumer.commit()
            return got
        finally:
            await consumer.stop()

    assert asyncio.run(consume(2)) == [b"x", b"y"]
    produce(broker.bootstrap, "cortado", [b"z"])
    assert asyncio.run(consume(1)) == [b"z"]


def test_kcat_balanced_consumer_commits_and_resumes(broker, kcat):
    create(broker.bootstrap, "ristretto")
    produce(broker.bootstrap, "ristretto", [b"one", b"two"])

    def kcat_group():
        # -G: balanced consumer (-o would override the committed offsets); -e: exit at the end; commits on exit
        return subprocess.run(
            [kcat, "-b", broker.bootstrap, "-G", "g-kcat", "-X", "auto.offset.reset=earliest", "-e", "-f", "%s\\n", "-q", "ristretto"],
            capture_output=True, timeout=60,
        )

    first = kcat_group()
    assert first.stdout.split() == [b"one", b"two"], first.stderr
    produce(broker.bootstrap, "ristretto", [b"three"])
    second = kcat_group()
    assert second.stdout.split() == [b"three"], second.stderr


# -- membership changes ------------------------------------------------------------------------------------


class Member:
    """A confluent-kafka group member whose assignment is kept up to date by polling."""

    def __init__(self, bootstrap, group, topic, **conf):
        self.assigned: set[int] = set()
        self.assignments = 0
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest", **conf})
        self.consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)

    def _on_assign(self, consumer, partitions):
        self.assignments += 1
        self.assigned = {p.partition for p in partitions}

    def _on_revoke(self, consumer, partitions):
        self.assigned = set()

    def poll(self):
        self.consumer.poll(0.05)


def poll_all(members, condition, timeout=15.0):
    def step():
        for m in members:
            m.poll()
        return condition()

    return until(step, timeout, step=0)


# A member learns of a rebalance from its next heartbeat (the classic protocol has no push), so
# librdkafka's default 3 s heartbeat interval alone could use up the 3 s; Kafka behaves the same.
FAST_HEARTBEAT = {"heartbeat.interval.ms": 500}


def test_two_members_split_four_partitions_and_one_leaving_hands_all_to_the_other(broker):
    create(broker.bootstrap, "flat-white", 4)
    a = Member(broker.bootstrap, "g-split", "flat-white", **FAST_HEARTBEAT)
    poll_all([a], lambda: a.assigned == {0, 1, 2, 3})
    b = Member(broker.bootstrap, "g-split", "flat-white", **FAST_HEARTBEAT)
    joined = time.monotonic()
    poll_all([a, b], lambda: len(a.assigned) == 2 and len(b.assigned) == 2 and not a.assigned & b.assigned)
    assert time.monotonic() - joined < 3.0
    b.consumer.close()
    poll_all([a], lambda: a.assigned == {0, 1, 2, 3})
    a.consumer.close()


_KILLED_MEMBER = textwrap.dedent("""
    import sys
    from confluent_kafka import Consumer
    c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "g-kill", "session.timeout.ms": 1500,
                  "heartbeat.interval.ms": 300})
    c.subscribe(["americano"], on_assign=lambda c, ps: print("assigned", len(ps), flush=True))
    while True:
        c.poll(0.1)
""")


def test_a_member_killed_without_leaving_loses_its_partitions_after_its_session_timeout(fast_broker):
    create(fast_broker.bootstrap, "americano", 4)
    survivor = Member(fast_broker.bootstrap, "g-kill", "americano", **{"session.timeout.ms": 1500, "heartbeat.interval.ms": 300})
    poll_all([survivor], lambda: survivor.assigned == {0, 1, 2, 3})
    doomed = subprocess.Popen([sys.executable, "-c", _KILLED_MEMBER, fast_broker.bootstrap], stdout=subprocess.PIPE, text=True)
    try:
        poll_all([survivor], lambda: len(survivor.assigned) == 2)  # the survivor must poll to rejoin
        line = doomed.stdout.readline()
        assert line.split() == ["assigned", "2"], line
    finally:
        doomed.kill()  # no LeaveGroup
        doomed.wait()
    killed = time.monotonic()
    poll_all([survivor], lambda: survivor.assigned == {0, 1, 2, 3})
    assert time.monotonic() - killed >= 1.0  # it waited for the dead member's session to run out
    survivor.consumer.close()


def test_static_member_restarting_within_its_session_gets_its_partitions_back_without_a_rebalance(broker):
    create(broker.bootstrap, "cappuccino", 4)
    conf = {"session.timeout.ms": 30000}
    steady = Member(broker.bootstrap, "g-static", "cappuccino", **{"group.instance.id": "steady", **conf})
    poll_all([steady], lambda: steady.assigned == {0, 1, 2, 3})
    bouncing = Member(broker.bootstrap, "g-static", "cappuccino", **{"group.instance.id": "bouncing", **conf})
    poll_all([steady, bouncing], lambda: len(steady.assigned) == 2 and len(bouncing.assigned) == 2)
    mine, rebalances = set(bouncing.assigned), steady.assignments
    bouncing.consumer.close()  # a static member's close sends no LeaveGroup

    back = Member(broker.bootstrap, "g-static", "cappuccino", **{"group.instance.id": "bouncing", **conf})
    poll_all([steady, back], lambda: back.assigned == mine)
    for _ in range(10):  # and the other member saw nothing happen
        steady.poll()
    assert steady.assignments == rebalances and len(steady.assigned) == 2
    back.consumer.close()
    steady.consumer.close()


# -- durability ---------------------------------------------------------------------------------------------


def test_committed_offsets_survive_kill_9_of_the_broker(tmp_path):
    server = ServerProcess(*overrides(tmp_path))
    bootstrap = "%s:%d" % server.address
    try:
        create(bootstrap, "espresso", 2)
        produce(bootstrap, "espresso", [b"e%d" % i for i in range(6)], partitions=2)
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "g1", "auto.offset.reset": "earliest",
                             "enable.auto.commit": False})
        consumer.subscribe(["espresso"])
        assert len(poll_values(consumer, 6)) == 6
        consumer.commit(asynchronous=False)
        consumer.close()
    finally:
        server.proc.kill()
        server.wait()

    restarted = ServerProcess(*overrides(tmp_path))
    bootstrap = "%s:%d" % restarted.address
    try:
        probe = Consumer({"bootstrap.servers": bootstrap, "group.id": "g1"})
        committed = probe.committed([TopicPartition("espresso", 0), TopicPartition("espresso", 1)], timeout=10)
        probe.close()
        assert [(tp.partition, tp.offset) for tp in committed] == [(0, 3), (1, 3)]
        assert (tmp_path / "logs" / "__consumer_offsets-0").is_dir()

        described = kcli("consumer-groups", "--describe", "--group", "g1", "--bootstrap-server", bootstrap)
        rows = [line.split() for line in described.stdout.splitlines() if line.startswith("g1")]
        assert [row[:6] for row in rows] == [["g1", "espresso", "0", "3", "3", "0"], ["g1", "espresso", "1", "3", "3", "0"]], described
        assert "Consumer group 'g1' has no active members." in described.stderr

        reset = kcli("consumer-groups", "--reset-offsets", "--to-earliest", "--execute", "--group", "g1",
                     "--topic", "espresso", "--bootstrap-server", bootstrap)
        assert reset.returncode == 0, reset.stderr
        again = Consumer({"bootstrap.servers": bootstrap, "group.id": "g1", "enable.auto.commit": False})
        again.subscribe(["espresso"])
        assert sorted(poll_values(again, 6)) == [b"e%d" % i for i in range(6)]
        again.close()
    finally:
        restarted.proc.terminate()
        restarted.wait()


def test_the_offsets_topic_is_internal_listed_unless_excluded_and_not_writable_by_clients(broker):
    from confluent_kafka import KafkaError

    create(broker.bootstrap, "lungo")
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "g-int"})
    consumer.commit(offsets=[TopicPartition("lungo", 0, 0)], asynchronous=False)
    consumer.close()
    listed = kcli("topics", "--list", "--bootstrap-server", broker.bootstrap)
    assert listed.stdout.split() == ["__consumer_offsets", "lungo"], listed.stderr
    excluded = kcli("topics", "--list", "--exclude-internal", "--bootstrap-server", broker.bootstrap)
    assert excluded.stdout.split() == ["lungo"]
    errors = []
    producer = Producer({"bootstrap.servers": broker.bootstrap, "message.send.max.retries": 0})
    producer.produce("__consumer_offsets", b"forged", partition=0, on_delivery=lambda err, msg: errors.append(err))
    producer.flush(10)
    assert [e.code() for e in errors] == [KafkaError.TOPIC_EXCEPTION]
