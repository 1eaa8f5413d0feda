"""Damaged ``.index`` files and a damaged active-segment tail, met by a restarted broker and real clients.

Each test fills a topic with small segments and many index entries, stops the
broker cleanly, damages one file the way a disk or a person might, restarts
on the same directory and checks what a client sees: the broker starts, the
high watermark is right, every record reads back at its offset (also from the
middle of the damaged segment), and a rebuilt index is byte-for-byte the one
the broker wrote while producing.
"""

from __future__ import annotations

import logging
import struct
import time

import confluent_kafka
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from kcli.broker.server import run_in_thread
from kcli.protocol.kafka import record_batch
from tests.conftest import broker_config

TOPIC = "damaged"
RECORDS = 300
TP = TopicPartition(TOPIC, 0)
CONFIGS = {"segment.bytes": "8192", "index.interval.bytes": "256"}


def value(i: int) -> bytes:
    return b"record-%04d-" % i + b"x" * 90


def produce(bootstrap: str, values: list[bytes]) -> list[int]:
    """One batch per record (each send waits for its answer), so segments hold many batches."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    offsets = [producer.send(TOPIC, value=v, partition=0).get(timeout=10).offset for v in values]
    producer.close()
    return offsets


def consume_from(bootstrap: str, offset: int, count: int) -> list[tuple[int, bytes]]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=10_000)
    consumer.assign([TP])
    consumer.seek(TP, offset)
    records = []
    for record in consumer:
        records.append((record.offset, record.value))
        if len(records) == count:
            break
    consumer.close()
    return records


def consume_with_librdkafka(bootstrap: str, offset: int, count: int) -> list[tuple[int, bytes]]:
    consumer = confluent_kafka.Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False, "check.crcs": True}
    )
    consumer.assign([confluent_kafka.TopicPartition(TOPIC, 0, offset)])
    records, deadline = [], time.monotonic() + 20
    while len(records) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None:
            assert msg.error() is None, msg.error()
            records.append((msg.offset(), msg.value()))
    consumer.close()
    return records


def end_offset(bootstrap: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return consumer.end_offsets([TP])[TP]
    finally:
        consumer.close()


@pytest.fixture
def filled(tmp_path):
    """A log dir holding TOPIC with RECORDS records over several segments, cleanly stopped; its .index bytes."""
    log_dir = tmp_path / "kafka-logs"
    running = run_in_thread(broker_config(log_dir))
    try:
        admin = KafkaAdminClient(bootstrap_servers=running.bootstrap)
        admin.create_topics([NewTopic(TOPIC, 1, 1, topic_configs=CONFIGS)])
        admin.close()
        assert produce(running.bootstrap, [value(i) for i in range(RECORDS)]) == list(range(RECORDS))
    finally:
        running.stop()
    directory = log_dir / f"{TOPIC}-0"
    indexes = {p.name: p.read_bytes() for p in sorted(directory.glob("*.index"))}
    assert len(indexes) >= 4 and all(len(b) >= 5 * 8 for b in list(indexes.values())[:-1])
    assert (log_dir / ".kafka_cleanshutdown").exists()
    return log_dir, directory, indexes


def segment_files(directory, which: str):
    logs = sorted(directory.glob("*.log"))
    log = logs[1] if which == "older" else logs[-1]
    return log, log.with_suffix(".index")


def offsets_in(log_path) -> tuple[int, int]:
    """(first, last) offset stored in a .log file."""
    headers = list(record_batch.iter_headers(log_path.read_bytes()))
    return headers[0].base_offset, headers[-1].last_offset


def entries(data: bytes) -> list[tuple[int, int]]:
    return list(struct.iter_unpack(">ii", data))


def pack(items) -> bytes:
    return b"".join(struct.pack(">ii", rel, pos) for rel, pos in items)


DAMAGE = {
    # 0xdeadbeef reads as a negative position: the old broker seeked there and died with "Invalid argument"
    "garbage": lambda data: b"\xde\xad\xbe\xef" * (len(data) // 4),
    "not-a-multiple-of-8": lambda data: data + b"\x01\x02\x03",
    "descending": lambda data: pack(reversed(entries(data))),
    "shifted": lambda data: pack((rel, pos + 13) for rel, pos in entries(data)),
    "deleted": None,
}


@pytest.mark.parametrize("which", ["older", "active"])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_is_rebuilt_on_start(filled, damage, which, caplog):
    log_dir, directory, written = filled
    log_path, index_path = segment_files(directory, which)
    if DAMAGE[damage] is None:
        index_path.unlink()
    else:
        index_path.write_bytes(DAMAGE[damage](written[index_path.name]))
        assert index_path.read_bytes() != written[index_path.name]
    first, last = offsets_in(log_path)
    middle = (first + last) // 2

    with caplog.at_level(logging.WARNING, logger="kcli.broker.log"):
        running = run_in_thread(broker_config(log_dir))
    try:
        assert end_offset(running.bootstrap) == RECORDS
        assert consume_from(running.bootstrap, 0, RECORDS) == [(i, value(i)) for i in range(RECORDS)]
        assert consume_from(running.bootstrap, middle, 3) == [(i, value(i)) for i in range(middle, middle + 3)]
        assert consume_with_librdkafka(running.bootstrap, middle, 3) == [(i, value(i)) for i in range(middle, middle + 3)]
        assert produce(running.bootstrap, [b"after"]) == [RECORDS]
    finally:
        running.stop()
    rebuilt = index_path.read_bytes()
    if which == "older":
        assert rebuilt == written[index_path.name]
    else:  # the one record produced after the restart may have added an entry
        assert rebuilt[: len(written[index_path.name])] == written[index_path.name]
    assert any(
        f"corresponding to log file {log_path}" in r.message and "rebuilding index files" in r.message
        for r in caplog.records
    )


def corrupt_last_batch(log_path, how: str) -> int:
    """Damage the last batch of a segment; returns its base offset."""
    data = bytearray(log_path.read_bytes())
    last = list(record_batch.iter_headers(data))[-1]
    if how == "record-bytes":  # a flipped byte inside the records: the CRC no longer matches
        data[last.position + last.size - 5] ^= 0xFF
    else:  # a last_offset_delta of 2**31 - 1: the old broker took it as the log end offset
        struct.pack_into(">i", data, last.position + 23, 0x7FFFFFFF)
    log_path.write_bytes(bytes(data))
    return last.base_offset


@pytest.mark.parametrize("how", ["record-bytes", "offset-delta"])
def test_a_damaged_active_tail_after_a_clean_stop_is_cut_and_its_offsets_taken_again(filled, how, caplog):
    log_dir, directory, _ = filled
    log_path, _ = segment_files(directory, "active")
    cut = corrupt_last_batch(log_path, how)
    assert cut == RECORDS - 1 and (log_dir / ".kafka_cleanshutdown").exists()

    with caplog.at_level(logging.WARNING, logger="kcli.broker.log"):
        running = run_in_thread(broker_config(log_dir))
    try:
        assert end_offset(running.bootstrap) == RECORDS - 1
        assert produce(running.bootstrap, [b"next"]) == [RECORDS - 1]
        expected = [(i, value(i)) for i in range(RECORDS - 1)] + [(RECORDS - 1, b"next")]
        assert consume_from(running.bootstrap, 0, RECORDS) == expected
    finally:
        running.stop()
    assert f"Found invalid messages in log segment {log_path} at byte offset" in caplog.text
