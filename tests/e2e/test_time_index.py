"""ListOffsets by time and max-timestamp through the ``.timeindex``, with real clients, and the time index rebuilt on start.

A topic with small segments and many index entries holds one batch per record, stamped by the producer
mostly in order, some a little late and one far ahead of the rest. kafka-python's and confluent-kafka's
``offsets_for_times`` must give, for every probe, the first offset stamped at or after it (worked out
here from the list of stamps), reading only the batches from one indexed position of one segment
(the segments count the batch headers they read to answer). max-timestamp (-3, ListOffsets v7) comes
from both admin clients. A deleted, cut or reversed ``.timeindex`` is rebuilt on start byte for byte.
"""

from __future__ import annotations

import logging
import shutil
import time

import confluent_kafka
import pytest
from confluent_kafka.admin import AdminClient, OffsetSpec
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.protocol.consumer import OffsetSpec as KafkaPythonOffsetSpec

from kcli.broker.server import run_in_thread
from kcli.protocol.kafka import record_batch
from tests.conftest import broker_config

TOPIC = "clock"
TP = TopicPartition(TOPIC, 0)
RECORDS = 200
BASE = 1_700_000_000_000
AHEAD = 123  # the record stamped far ahead of all others: max-timestamp's answer
CONFIGS = {"segment.bytes": "4096", "index.interval.bytes": "256"}
MOST_BATCHES_SCANNED = 12  # about two index intervals of these ~100-byte batches; a segment holds about 40


def stamp(i: int) -> int:
    if i == AHEAD:
        return BASE + 10 * RECORDS + 5_000
    return BASE + 10 * i - (25 if i % 7 == 3 else 0)  # every seventh record a little late


STAMPS = [stamp(i) for i in range(RECORDS)]


def expected(target: int) -> tuple[int, int] | None:
    """(offset, timestamp) of the first record stamped at or after ``target``."""
    return next(((i, ts) for i, ts in enumerate(STAMPS) if ts >= target), None)


PROBES = sorted({BASE - 1, *STAMPS[:40], *(s + 1 for s in STAMPS[::9]), *(s - 3 for s in STAMPS[150::5]),
                 BASE + 10 * RECORDS, STAMPS[AHEAD], STAMPS[AHEAD] + 1})


def produce(bootstrap: str, stamps: list[int], topic: str = TOPIC) -> list[int]:
    """One batch per record (each send waits for its answer), so segments hold many batches."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    offsets = [producer.send(topic, value=b"at %d " % ts + b"." * 30, partition=0, timestamp_ms=ts).get(timeout=10).offset
               for ts in stamps]
    producer.close()
    return offsets


def create(bootstrap: str, topic: str, configs: dict[str, str]) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 1, 1, topic_configs=configs)])
    admin.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A cleanly stopped log dir holding TOPIC; its .timeindex bytes as written while producing."""
    log_dir = tmp_path_factory.mktemp("time-index") / "kafka-logs"
    running = run_in_thread(broker_config(log_dir))
    try:
        create(running.bootstrap, TOPIC, CONFIGS)
        assert produce(running.bootstrap, STAMPS) == list(range(RECORDS))
    finally:
        running.stop()
    written = {p.name: p.read_bytes() for p in sorted((log_dir / f"{TOPIC}-0").glob("*.timeindex"))}
    assert len(written) >= 4 and all(len(b) >= 5 * 12 for b in list(written.values())[:-1])
    return log_dir, written


@pytest.fixture
def log_dir(template, tmp_path):
    copy = tmp_path / "kafka-logs"
    shutil.copytree(template[0], copy)
    return copy


def batches_scanned(running) -> int:
    return sum(s.timestamp_scan_batches for s in running.broker.catalog.partition(TOPIC, 0).segments)


def kafka_python_lookup(bootstrap: str, target: int) -> tuple[int, int] | None:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        found = consumer.offsets_for_times({TP: target})[TP]
    finally:
        consumer.close()
    return None if found is None else (found.offset, found.timestamp)


def test_offsets_for_times_come_from_the_time_index_for_both_clients(log_dir):
    running = run_in_thread(broker_config(log_dir))
    try:
        segments = running.broker.catalog.partition(TOPIC, 0).segments
        assert len(segments) >= 4
        consumer = KafkaConsumer(bootstrap_servers=running.bootstrap)
        librdkafka = confluent_kafka.Consumer({"bootstrap.servers": running.bootstrap, "group.id": "unused"})
        try:
            for target in PROBES:
                before = batches_scanned(running)
                found = consumer.offsets_for_times({TP: target})[TP]
                assert (None if found is None else (found.offset, found.timestamp)) == expected(target), target
                scanned = batches_scanned(running) - before
                assert scanned <= MOST_BATCHES_SCANNED, (target, scanned)

                theirs = librdkafka.offsets_for_times([confluent_kafka.TopicPartition(TOPIC, 0, target)], 10)[0]
                assert theirs.error is None
                assert theirs.offset == (expected(target) or (-1,))[0], target
        finally:
            consumer.close()
            librdkafka.close()
        assert sum(s.timestamp_scan_batches for s in segments) <= MOST_BATCHES_SCANNED * 2 * len(PROBES)
    finally:
        running.stop()


def test_max_timestamp_for_both_admin_clients(log_dir):
    running = run_in_thread(broker_config(log_dir))
    try:
        admin = KafkaAdminClient(bootstrap_servers=running.bootstrap)
        try:
            found = admin.list_partition_offsets({TP: KafkaPythonOffsetSpec.MAX_TIMESTAMP})[TP]
        finally:
            admin.close()
        assert (found.offset, found.timestamp) == (AHEAD, STAMPS[AHEAD])

        tp = confluent_kafka.TopicPartition(TOPIC, 0)
        client = AdminClient({"bootstrap.servers": running.bootstrap})  # kept: its futures die with it
        theirs = client.list_offsets({tp: OffsetSpec.max_timestamp()})[tp].result(10)
        assert (theirs.offset, theirs.timestamp) == (AHEAD, STAMPS[AHEAD])
    finally:
        running.stop()


def damage_reversed(data: bytes) -> bytes:
    return b"".join(data[i : i + 12] for i in reversed(range(0, len(data), 12)))


DAMAGE = {
    "deleted": None,
    "not-a-multiple-of-12": lambda data: data + b"\x01\x02\x03",
    "descending": damage_reversed,
}


@pytest.mark.parametrize("which", ["older", "active"])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_time_index_is_rebuilt_before_use_byte_for_byte(template, log_dir, damage, which, caplog):
    written = template[1]
    names = sorted(written)
    path = log_dir / f"{TOPIC}-0" / (names[1] if which == "older" else names[-1])
    if DAMAGE[damage] is None:
        path.unlink()
    else:
        path.write_bytes(DAMAGE[damage](written[path.name]))
        assert path.read_bytes() != written[path.name]
    with caplog.at_level(logging.WARNING, logger="kcli.broker.log"):
        running = run_in_thread(broker_config(log_dir))
    try:
        if which == "active":
            assert path.read_bytes() == written[path.name]  # rebuilt on start, before any client came
        for target in (STAMPS[60], STAMPS[130] + 1, STAMPS[-1]):
            assert kafka_python_lookup(running.bootstrap, target) == expected(target)
        assert path.read_bytes() == written[path.name]  # an older segment's: on first use, before it answered
    finally:
        running.stop()
    assert {p.name: p.read_bytes() for p in sorted(path.parent.glob("*.timeindex"))} == written
    log_path = path.with_suffix(".log")
    assert any(str(log_path) in r.message and "rebuilding index files" in r.message for r in caplog.records)


def test_log_append_time_indexes_the_brokers_time(tmp_path):
    log_dir = tmp_path / "kafka-logs"
    running = run_in_thread(broker_config(log_dir))
    try:
        create(running.bootstrap, "appended", {**CONFIGS, "message.timestamp.type": "LogAppendTime"})
        before = int(time.time() * 1000)
        assert produce(running.bootstrap, [1_000 + i for i in range(60)], topic="appended") == list(range(60))
        after = int(time.time() * 1000)
        tp = TopicPartition("appended", 0)
        consumer = KafkaConsumer(bootstrap_servers=running.bootstrap)
        try:
            found = consumer.offsets_for_times({tp: 1_000})[tp]  # the producer's stamps are not what the log holds
            assert found.offset == 0 and before <= found.timestamp <= after
            assert consumer.offsets_for_times({tp: after + 1})[tp] is None
        finally:
            consumer.close()
    finally:
        running.stop()
    directory = log_dir / "appended-0"
    stamps = []
    for path in sorted(directory.glob("*.timeindex")):
        data = path.read_bytes()
        stamps += [int.from_bytes(data[i : i + 8], "big", signed=True) for i in range(0, len(data), 12)]
    assert stamps and all(before <= ts <= after for ts in stamps) and stamps == sorted(set(stamps))
    logged = [h.max_timestamp for p in sorted(directory.glob("*.log")) for h in record_batch.iter_headers(p.read_bytes())]
    assert stamps[-1] == max(logged)  # the last segment's close added its largest time
