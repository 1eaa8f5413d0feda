"""A fetch returns the log's byte range as Kafka's LogSegment.read does, so it may end inside a batch; every
client drops the partial batch and fetches again from there: kafka-python, aiokafka, confluent-kafka and kcat
each read every record once, in order, through fetches that all end mid-batch."""

from __future__ import annotations

import asyncio
import socket
import struct
import subprocess
import time

import pytest
from kafka import KafkaConsumer, TopicPartition

from kcli.broker.dispatch import ROUTES
from kcli.broker.log.segment import LogSegment
from kcli.protocol.kafka import record_batch
from tests.conftest import produce
from tests.wire_requests import encode, recv_exactly

TOPIC = "ristretto"
COUNT = 40
VALUES = [b"%03d" % i + b"." * 297 for i in range(COUNT)]  # one 300-byte record per batch
FETCH_BYTES = 1000  # about two and a half batches


@pytest.fixture
def filled(broker, monkeypatch):
    """The broker with VALUES in TOPIC; ``broker.served`` collects the end position of each range fetched."""
    produce(broker.bootstrap, TOPIC, VALUES)  # acknowledged one by one: one batch each
    served: list[int] = []
    original = LogSegment.slice

    def observed(segment, *args):
        found = original(segment, *args)
        if found is not None and found.size:
            served.append(found.position + found.size)
        return found

    monkeypatch.setattr(LogSegment, "slice", observed)
    broker.served = served
    return broker


def _ended_inside_a_batch(broker) -> bool:
    """Whether some range served ended inside a batch (the client got a partial batch and went on)."""
    [log] = (broker.log_dir / f"{TOPIC}-0").glob("*.log")
    data = log.read_bytes()
    boundaries = {h.position + h.size for h in record_batch.iter_headers(data)}
    return any(end not in boundaries for end in broker.served)


def _fetch(broker, version: int, offset: int, partition_max_bytes: int) -> bytes:
    Request, Response = ROUTES[1].request, ROUTES[1].response
    T = Request.FetchTopic
    request = Request(version=version, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=1 << 20, isolation_level=0,
                      session_id=0, session_epoch=-1, forgotten_topics_data=[], topics=[T(topic=TOPIC, partitions=[
                          T.FetchPartition(partition=0, current_leader_epoch=-1, fetch_offset=offset, log_start_offset=-1,
                                           partition_max_bytes=partition_max_bytes)])])
    with socket.create_connection((broker.host, broker.port), timeout=10) as sock:
        sock.sendall(encode(request, 9, client_id="partial"))
        size = struct.unpack(">i", recv_exactly(sock, 4))[0]
        response = Response.decode(recv_exactly(sock, size), version=version, header=True)
    return bytes(response.responses[0].partitions[0].records)


@pytest.mark.parametrize("version", [4, 10])
def test_a_fetch_returns_max_bytes_ending_inside_a_batch(filled, version):
    records = _fetch(filled, version, 0, FETCH_BYTES)
    whole = list(record_batch.iter_headers(records))
    assert len(records) == FETCH_BYTES
    assert len(whole) == 2 and whole[-1].position + whole[-1].size < FETCH_BYTES  # then part of the third batch
    assert [h.base_offset for h in whole] == [0, 1]


def test_the_first_batch_is_whole_however_small_max_bytes_is(filled):
    records = _fetch(filled, 10, 5, 10)
    [header] = record_batch.iter_headers(records)
    assert (header.base_offset, header.size) == (5, len(records))  # KIP-74


def test_kafka_python_reads_through_partial_batches(filled):
    consumer = KafkaConsumer(bootstrap_servers=filled.bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=10000,
                             max_partition_fetch_bytes=FETCH_BYTES)
    consumer.assign([TopicPartition(TOPIC, 0)])
    got = [(r.offset, r.value) for _, r in zip(range(COUNT), consumer)]
    consumer.close()
    assert got == list(enumerate(VALUES))
    assert _ended_inside_a_batch(filled)


def test_aiokafka_reads_through_partial_batches(filled):
    from aiokafka import AIOKafkaConsumer
    from aiokafka.structs import TopicPartition as AioTopicPartition

    async def main():
        consumer = AIOKafkaConsumer(bootstrap_servers=filled.bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest", max_partition_fetch_bytes=FETCH_BYTES)
        await consumer.start()
        try:
            tp = AioTopicPartition(TOPIC, 0)
            consumer.assign([tp])
            await consumer.seek_to_beginning(tp)
            got = []
            while len(got) < COUNT:
                batch = await asyncio.wait_for(consumer.getmany(tp, timeout_ms=1000), 20)
                got.extend((r.offset, r.value) for r in batch.get(tp, []))
            return got
        finally:
            await consumer.stop()

    assert asyncio.run(main()) == list(enumerate(VALUES))
    assert _ended_inside_a_batch(filled)


def test_confluent_kafka_reads_through_partial_batches(filled):
    from confluent_kafka import Consumer
    from confluent_kafka import TopicPartition as CkTopicPartition

    consumer = Consumer({"bootstrap.servers": filled.bootstrap, "group.id": "partial", "enable.auto.commit": False,
                         "max.partition.fetch.bytes": FETCH_BYTES})
    consumer.assign([CkTopicPartition(TOPIC, 0, 0)])
    got, deadline = [], time.monotonic() + 30
    while len(got) < COUNT and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            got.append((msg.offset(), msg.value()))
    consumer.close()
    assert got == list(enumerate(VALUES))
    assert _ended_inside_a_batch(filled)


def test_kcat_reads_through_partial_batches(filled, kcat):
    out = subprocess.run(
        [kcat, "-b", filled.bootstrap, "-C", "-t", TOPIC, "-p", "0", "-o", "beginning", "-e", "-f", "%o %s\n",
         "-X", f"fetch.message.max.bytes={FETCH_BYTES}"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    assert out.splitlines() == [f"{i} {v.decode()}" for i, v in enumerate(VALUES)]
    assert _ended_inside_a_batch(filled)
