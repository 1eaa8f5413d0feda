"""Compaction against a real broker and real clients: last values survive at their offsets, tombstones go
after delete.retention.ms, null keys are refused, and __consumer_offsets replays about one record per key."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import InvalidRecordError
from kafka.structs import OffsetAndMetadata

from kcli.broker.server import run_in_thread
from tests.conftest import broker_config
from tests.waiting import wait_for

KEYS = 100
UPDATES = 10_000
DELETED = range(0, KEYS, 5)  # 20 keys get a tombstone after their updates
RETENTION_MS = 1500


def _create(bootstrap: str, topic: str, **configs: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, 1, 1, topic_configs=configs)])
    finally:
        admin.close()


def _consume_all(bootstrap: str, topic: str, end: int) -> list[tuple[int, bytes, bytes | None]]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    seen = []
    try:
        while consumer.position(tp) < end:
            for records in consumer.poll(timeout_ms=500).values():
                seen.extend((r.offset, r.key, r.value) for r in records)
    finally:
        consumer.close()
    return seen


def _consume_all_librdkafka(bootstrap: str, topic: str, end: int) -> list[tuple[int, bytes, bytes | None]]:
    import confluent_kafka

    consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False,
                                         "check.crcs": True})
    consumer.assign([confluent_kafka.TopicPartition(topic, 0, confluent_kafka.OFFSET_BEGINNING)])
    seen: list[tuple[int, bytes, bytes | None]] = []
    try:
        while not seen or seen[-1][0] < end - 1:
            for message in consumer.consume(1000, timeout=1):
                assert message.error() is None, message.error()
                seen.append((message.offset(), message.key(), message.value()))
    finally:
        consumer.close()
    return seen


@pytest.fixture
def compacting_broker(tmp_path):
    running = run_in_thread(broker_config(tmp_path / "kafka-logs", log_cleaner_backoff_ms=50))
    yield running
    running.stop()


def test_compacted_topic_keeps_the_last_value_of_each_live_key_at_its_offset(compacting_broker):
    bootstrap, topic = compacting_broker.bootstrap, "compacted"
    _create(bootstrap, topic, **{"cleanup.policy": "compact", "segment.bytes": "16384",
                                 "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": str(RETENTION_MS)})
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    written: dict[tuple[bytes, bytes | None], int] = {}  # (key, value) -> offset the broker gave it
    live: dict[bytes, bytes] = {}

    def send(key: bytes, value: bytes | None) -> None:
        future = producer.send(topic, key=key, value=value)
        future.add_callback(lambda meta: written.__setitem__((key, value), meta.offset))
        if value is None:
            live.pop(key, None)
        else:
            live[key] = value

    for n in range(UPDATES):
        send(b"key-%03d" % (n % KEYS), b"value-%05d" % n)
    for k in DELETED:
        send(b"key-%03d" % k, None)
    producer.flush()
    assert len(written) == UPDATES + len(DELETED)

    cleaner = compacting_broker.broker.cleaner
    partition = compacting_broker.broker.catalog.partition(topic, 0)
    wait_for(lambda: cleaner.rounds >= 1, timeout=30, what="the first cleaning")
    # No new writes, so no cleaning can run again: the tombstones are still there, whatever the time.
    wait_for(lambda: cleaner.checkpoints.get((topic, 0)) == partition.active.base_offset, timeout=30, what="cleaning up to the active segment")
    seen = _consume_all(bootstrap, topic, partition.log_end_offset)
    assert len(seen) < UPDATES / 10  # compacted
    tombstone_offsets = {written[(b"key-%03d" % k, None)] for k in DELETED}
    assert {o for o, _, v in seen if v is None} == tombstone_offsets

    # Fresh updates make the log dirty again; once delete.retention.ms has passed since the first
    # cleaning set the tombstones' delete horizon, a cleaning removes them.
    def tombstones_gone() -> bool:
        for n in range(300):
            send(b"key-%03d" % (1 + n % 4), b"later-%05d-%d" % (n, len(written)))
        producer.flush()
        return all(value is not None for _, _, value in _consume_all(bootstrap, topic, partition.log_end_offset))

    wait_for(tombstones_gone, timeout=60, step=0.2, what="the tombstones to be removed")
    producer.close()

    seen = _consume_all(bootstrap, topic, partition.log_end_offset)
    assert _consume_all_librdkafka(bootstrap, topic, partition.log_end_offset) == seen  # CRCs checked too
    last: dict[bytes, bytes | None] = {}
    for offset, key, value in seen:
        assert written[(key, value)] == offset  # a survivor keeps the offset it was written at
        last[key] = value
    assert last == live  # the last value of each live key; deleted keys are gone
    assert all(value is not None for _, _, value in seen)
    assert [o for o, _, _ in seen] == sorted({o for o, _, _ in seen})


def test_null_key_refused_on_a_compacted_topic(compacting_broker):
    bootstrap = compacting_broker.bootstrap
    _create(bootstrap, "keyed", **{"cleanup.policy": "compact,delete"})
    producer = KafkaProducer(bootstrap_servers=bootstrap, retries=0)
    try:
        with pytest.raises(InvalidRecordError):
            producer.send("keyed", value=b"no key").get(timeout=10)
        assert producer.send("keyed", key=b"k", value=b"with key").get(timeout=10).offset == 0
    finally:
        producer.close()


def test_consumer_offsets_replay_is_bounded_by_live_keys(tmp_path):
    log_dir = tmp_path / "kafka-logs"
    config = broker_config(log_dir, log_cleaner_backoff_ms=50, log_cleaner_min_cleanable_ratio="0.01",
                           offsets_topic_segment_bytes=4096)
    running = run_in_thread(config)
    partitions = [TopicPartition("t", p) for p in range(5)]
    commits = 2000
    try:
        admin = KafkaAdminClient(bootstrap_servers=running.bootstrap)
        admin.create_topics([NewTopic("t", len(partitions), 1)])
        admin.close()
        consumer = KafkaConsumer(bootstrap_servers=running.bootstrap, group_id="g", enable_auto_commit=False)
        for n in range(commits):
            consumer.commit({tp: OffsetAndMetadata(n, "", -1) for tp in partitions})
        consumer.close()
        offsets = running.broker.catalog.partition("__consumer_offsets", 0)
        cleaner = running.broker.cleaner
        written = offsets.log_end_offset
        assert written >= commits * len(partitions)
        wait_for(lambda: cleaner.checkpoints.get(("__consumer_offsets", 0)) == offsets.active.base_offset,
                 timeout=60, what="__consumer_offsets cleaned up to its active segment")
        in_active_segment = offsets.log_end_offset - offsets.active.base_offset
    finally:
        running.stop()

    running = run_in_thread(config)
    try:
        replayed = running.broker.state.groups.manager.records_replayed
        live_keys = len(partitions)  # one offset key per partition; a group without members writes no group record
        assert replayed <= live_keys + in_active_segment
        assert replayed * 20 < written  # bounded by the live keys, not by the commits ever made
        consumer = KafkaConsumer(bootstrap_servers=running.bootstrap, group_id="g", enable_auto_commit=False)
        assert {tp: consumer.committed(tp) for tp in partitions} == {tp: commits - 1 for tp in partitions}
        consumer.close()
    finally:
        running.stop()
