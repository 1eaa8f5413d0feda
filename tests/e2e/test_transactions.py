"""Transactions (KIP-98, KIP-447) against the kcli broker with real clients."""

from __future__ import annotations

import asyncio
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kcli.broker.server import run_in_thread
from tests.conftest import broker_config
from tests.waiting import wait_for


def create(broker, *topics):
    client = AdminClient({"bootstrap.servers": broker.bootstrap})
    for future in client.create_topics([NewTopic(name, n, 1) for name, n in topics]).values():
        future.result(10)


def read_all(broker, isolation, partitions):
    """Every record up to each partition's end as ``isolation`` sees it: [(topic, partition, offset, value)]."""
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"reader-{isolation}",
                         "enable.auto.commit": False, "isolation.level": isolation})
    tps = [TopicPartition(t, p, 0) for t, p in partitions]
    ends = {(t, p): consumer.get_watermark_offsets(TopicPartition(t, p), timeout=10)[1] for t, p in partitions}
    consumer.assign(tps)
    got = []

    def done():
        for msg in consumer.consume(1000, 0.2):
            if not msg.error():
                got.append((msg.topic(), msg.partition(), msg.offset(), msg.value()))
        positions = consumer.position([TopicPartition(t, p) for t, p in partitions])
        return all(tp.offset >= ends[(tp.topic, tp.partition)] for tp in positions)

    wait_for(done, 30, "the consumer to reach every partition's end")
    consumer.close()
    return got, ends


def test_confluent_commit_and_abort_across_two_topics_and_three_partitions(broker):
    create(broker, ("orders", 2), ("audit", 1))
    producer = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "shop", "linger.ms": 5})
    producer.init_transactions(20)
    producer.begin_transaction()
    for topic, partition, value in (("orders", 0, b"c0"), ("orders", 0, b"c1"), ("orders", 1, b"c2"), ("audit", 0, b"c3")):
        producer.produce(topic, value=value, partition=partition)
    producer.commit_transaction(20)
    producer.begin_transaction()
    for topic, partition, value in (("orders", 0, b"x0"), ("orders", 1, b"x1"), ("audit", 0, b"x2")):
        producer.produce(topic, value=value, partition=partition)
    assert producer.flush(20) == 0  # written to the log before the abort (librdkafka purges what is unsent)
    producer.abort_transaction(20)
    producer.begin_transaction()
    producer.produce("orders", value=b"d0", partition=0)
    producer.commit_transaction(20)

    partitions = [("orders", 0), ("orders", 1), ("audit", 0)]
    committed, ends = read_all(broker, "read_committed", partitions)
    # each transaction's marker takes one offset in each of its partitions, as in Kafka
    assert ends == {("orders", 0): 7, ("orders", 1): 4, ("audit", 0): 4}
    assert sorted(committed) == [
        ("audit", 0, 0, b"c3"), ("orders", 0, 0, b"c0"), ("orders", 0, 1, b"c1"), ("orders", 0, 5, b"d0"), ("orders", 1, 0, b"c2"),
    ]
    assert [v for t, p, o, v in committed if (t, p) == ("orders", 0)] == [b"c0", b"c1", b"d0"]
    everything, _ = read_all(broker, "read_uncommitted", partitions)
    assert sorted(everything) == sorted(committed + [("orders", 0, 3, b"x0"), ("orders", 1, 2, b"x1"), ("audit", 0, 2, b"x2")])


def test_a_second_producer_with_the_same_transactional_id_fences_the_first(broker):
    create(broker, ("fenced", 1))
    zombie = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "worker"})
    zombie.init_transactions(20)
    zombie.begin_transaction()
    zombie.produce("fenced", value=b"zombie")
    assert zombie.flush(20) == 0
    successor = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "worker"})
    successor.init_transactions(20)  # aborts the zombie's open transaction under a bumped epoch
    with pytest.raises(KafkaException) as info:
        zombie.commit_transaction(20)
    assert info.value.args[0].code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH)
    successor.begin_transaction()
    successor.produce("fenced", value=b"successor")
    successor.commit_transaction(20)
    committed, _ = read_all(broker, "read_committed", [("fenced", 0)])
    assert [v for *_, v in committed] == [b"successor"]


def test_a_transaction_open_past_its_timeout_is_aborted_by_the_broker(tmp_path):
    running = run_in_thread(broker_config(tmp_path / "logs", **{"transaction.abort.timed.out.transaction.cleanup.interval.ms": 200}))
    try:
        create(running, ("slow", 1))
        producer = Producer({"bootstrap.servers": running.bootstrap, "transactional.id": "slow", "transaction.timeout.ms": 1500})
        producer.init_transactions(20)
        producer.begin_transaction()
        producer.produce("slow", value=b"never")
        assert producer.flush(20) == 0
        partition = running.broker.catalog.partition("slow", 0)
        assert partition.last_stable_offset == 0 < partition.high_watermark
        wait_for(lambda: partition.last_stable_offset == partition.log_end_offset == 2, 20, "the broker to abort it")
        committed, ends = read_all(running, "read_committed", [("slow", 0)])
        assert committed == [] and ends == {("slow", 0): 2}
        with pytest.raises(KafkaException):
            producer.commit_transaction(10)
    finally:
        running.stop()


def test_aiokafka_transactional_producer_commits_and_aborts(broker):
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    create(broker, ("aio", 1))

    async def run():
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, transactional_id="aio-tx")
        await producer.start()
        try:
            async with producer.transaction():
                await producer.send_and_wait("aio", b"kept", partition=0)
            with pytest.raises(RuntimeError):
                async with producer.transaction():
                    await producer.send_and_wait("aio", b"dropped", partition=0)
                    raise RuntimeError("abort")
            async with producer.transaction():
                await producer.send_and_wait("aio", b"kept too", partition=0)
        finally:
            await producer.stop()
        seen = {}
        for isolation in ("read_committed", "read_uncommitted"):
            consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, isolation_level=isolation, auto_offset_reset="earliest")
            await consumer.start()
            try:
                consumer.assign([__import__("aiokafka").TopicPartition("aio", 0)])
                values = []
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and len(values) < (2 if isolation == "read_committed" else 3):
                    batch = await consumer.getmany(timeout_ms=500)
                    values += [m.value for msgs in batch.values() for m in msgs]
                seen[isolation] = values
            finally:
                await consumer.stop()
        return seen

    seen = asyncio.run(run())
    assert seen["read_committed"] == [b"kept", b"kept too"]
    assert seen["read_uncommitted"] == [b"kept", b"dropped", b"kept too"]


def test_consume_transform_produce_is_exactly_once_with_the_worker_killed_twice(broker):
    import subprocess
    import sys

    total = 10_000
    create(broker, ("ctp-in", 1), ("ctp-out", 1))
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 20})
    for i in range(total):
        producer.produce("ctp-in", key=b"%d" % i, value=b"record-%05d" % i)
    assert producer.flush(30) == 0
    out = TopicPartition("ctp-out", 0)
    reader = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "watch", "isolation.level": "read_committed"})

    def committed_out():
        return reader.get_watermark_offsets(out, timeout=10, cached=False)[1]

    def worker():
        return subprocess.Popen([sys.executable, "-m", "tests.e2e.ctp_worker", broker.bootstrap, str(total)])

    for threshold in (2_000, 5_000):  # kill -9 mid-run, twice; a new worker with the same transactional.id goes on
        proc = worker()
        try:
            wait_for(lambda: committed_out() >= threshold, 90, f"{threshold} output records")
        finally:
            proc.kill()
            proc.wait(10)
    proc = worker()
    try:
        assert proc.wait(180) == 0
    finally:
        proc.kill()
    reader.close()
    partition = broker.broker.catalog.partition("ctp-out", 0)
    assert partition.last_stable_offset == partition.log_end_offset
    committed, _ = read_all(broker, "read_committed", [("ctp-out", 0)])
    values = [v for *_, v in committed]
    assert sorted(values) == [b"RECORD-%05d" % i for i in range(total)]  # every record, exactly once


# -- recovery -------------------------------------------------------------------------------------------------


def in_broker(running, call):
    """``call()`` on the broker's event loop (the coordinator is not thread-safe), its result here."""
    async def run():
        return call()
    return asyncio.run_coroutine_threadsafe(run(), running._loop).result(10)


def open_transaction(running, tid, records, timeout_ms: int = 60000):
    """A confluent producer's transaction with ``records`` [(topic, partition, value)] written, left open."""
    producer = Producer({"bootstrap.servers": running.bootstrap, "transactional.id": tid, "transaction.timeout.ms": timeout_ms})
    producer.init_transactions(20)
    producer.begin_transaction()
    for topic, partition, value in records:
        producer.produce(topic, value=value, partition=partition)
    assert producer.flush(20) == 0
    return producer


def test_transactional_offsets_count_only_once_committed_also_after_a_restart(tmp_path):
    log_dir = tmp_path / "logs"

    def committed(running):
        consumer = Consumer({"bootstrap.servers": running.bootstrap, "group.id": "offsets", "enable.auto.commit": False})
        try:
            return consumer.committed([TopicPartition("src", 0)], timeout=10)[0].offset
        finally:
            consumer.close()

    running = run_in_thread(broker_config(log_dir))
    try:
        create(running, ("src", 1), ("dst", 1))
        group = Consumer({"bootstrap.servers": running.bootstrap, "group.id": "offsets"})
        producer = Producer({"bootstrap.servers": running.bootstrap, "transactional.id": "offsets-tx"})
        producer.init_transactions(20)
        for offset, commit in ((5, True), (9, False)):
            producer.begin_transaction()
            producer.produce("dst", value=b"out")
            producer.send_offsets_to_transaction([TopicPartition("src", 0, offset)], group.consumer_group_metadata(), 20)
            if commit:
                producer.commit_transaction(20)
            else:
                assert producer.flush(20) == 0
                producer.abort_transaction(20)
        assert committed(running) == 5  # the aborted 9 never became the group's
        producer.begin_transaction()
        producer.send_offsets_to_transaction([TopicPartition("src", 0, 12)], group.consumer_group_metadata(), 20)
        assert committed(running) == 5  # written, not yet committed
        producer.flush(20)
    finally:
        running.stop()
    restarted = run_in_thread(broker_config(log_dir, **{"transaction.abort.timed.out.transaction.cleanup.interval.ms": 200}))
    try:
        assert committed(restarted) == 5  # replayed: the committed offset, not the aborted or the open one
    finally:
        restarted.stop()
    del producer, group


def test_kafka_python_transactional_producer_commits_and_aborts(broker):
    from kafka import KafkaProducer

    create(broker, ("kp", 1))
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, transactional_id="kp-tx")
    try:
        producer.init_transactions()
        for value, commit in ((b"kept", True), (b"dropped", False), (b"kept too", True)):
            producer.begin_transaction()
            producer.send("kp", value, partition=0).get(timeout=20)
            producer.commit_transaction() if commit else producer.abort_transaction()
    finally:
        producer.close()
    committed, ends = read_all(broker, "read_committed", [("kp", 0)])
    assert [v for *_, v in committed] == [b"kept", b"kept too"] and ends == {("kp", 0): 6}
    everything, _ = read_all(broker, "read_uncommitted", [("kp", 0)])
    assert [v for *_, v in everything] == [b"kept", b"dropped", b"kept too"]
