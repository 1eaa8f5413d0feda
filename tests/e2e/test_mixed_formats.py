"""Magic 0, 1 and 2 produced into one partition read back in order, with keys, values and timestamps, by a
modern consumer (Fetch v4+, record batches) and by old ones (Fetch v0: magic 0, Fetch v2: magic 1) (issue 10)."""

from __future__ import annotations

import socket
import struct

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.record.memory_records import MemoryRecords

from kcli.broker.dispatch import ROUTES
from tests.wire_requests import GZIP, encode, message_set, recv_exactly

TOPIC = "mixed"
T0 = 1_700_000_000_000


def _call(sock, request, correlation_id: int):
    sock.sendall(encode(request, correlation_id))
    size = struct.unpack(">i", recv_exactly(sock, 4))[0]
    return ROUTES[request.API_KEY].response.decode(recv_exactly(sock, size), version=request.API_VERSION, header=True)


def _produce(sock, version: int, records: bytes, correlation_id: int) -> int:
    r = ROUTES[0].request
    T = r.TopicProduceData
    request = r(version=version, transactional_id=None, acks=1, timeout_ms=5000,
                topic_data=[T(name=TOPIC, partition_data=[T.PartitionProduceData(index=0, records=records)])])
    partition = _call(sock, request, correlation_id).responses[0].partition_responses[0]
    assert partition.error_code == 0
    return partition.base_offset


def _fetch(sock, version: int, offset: int, correlation_id: int):
    r = ROUTES[1].request
    T = r.FetchTopic
    request = r(version=version, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=1 << 20, isolation_level=0,
                topics=[T(topic=TOPIC, partitions=[T.FetchPartition(partition=0, fetch_offset=offset, partition_max_bytes=1 << 20)])])
    return _call(sock, request, correlation_id).responses[0].partitions[0].records


def _records(data: bytes):
    out, reader = [], MemoryRecords(data)
    while (batch := reader.next_batch()) is not None:
        out += [(batch.magic, r.offset, r.key, r.value, r.timestamp) for r in batch]
    return out


@pytest.fixture
def mixed(broker):
    """Offsets 0–1 magic 0 (Produce v0), 2–4 magic 1 gzip (Produce v2), 5–6 magic 2 (a modern producer)."""
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic(TOPIC, 1, 1)])
    admin.close()
    with socket.create_connection((broker.host, broker.port), timeout=10) as sock:
        assert _produce(sock, 0, message_set([b"a0", b"a1"], magic=0), 1) == 0
        assert _produce(sock, 2, message_set([b"b0" * 100, b"b1" * 100, b"b2" * 100], magic=1, compression=GZIP, timestamp_ms=T0), 2) == 2
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    for i in range(2):
        producer.send(TOPIC, key=b"c%d" % i, value=b"c%d" % i, partition=0, timestamp_ms=T0 + 100 + i).get(10)
    producer.close()
    return [
        (0, b"k0", b"a0", -1), (1, b"k1", b"a1", -1),
        (2, b"k0", b"b0" * 100, T0), (3, b"k1", b"b1" * 100, T0 + 1), (4, b"k2", b"b2" * 100, T0 + 2),
        (5, b"c0", b"c0", T0 + 100), (6, b"c1", b"c1", T0 + 101),
    ]


def test_a_modern_consumer_reads_all_three_formats_in_order(broker, mixed):
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, consumer_timeout_ms=10000)
    consumer.assign([TopicPartition(TOPIC, 0)])
    consumer.seek_to_beginning()
    got = []
    for record in consumer:
        got.append((record.offset, record.key, record.value, record.timestamp))
        if len(got) == len(mixed):
            break
    consumer.close()
    assert got == mixed


@pytest.mark.parametrize("version, magic", [(0, 0), (1, 0), (2, 1), (3, 1)])
def test_an_old_consumer_reads_them_down_converted_to_its_magic(broker, mixed, version, magic):
    with socket.create_connection((broker.host, broker.port), timeout=10) as sock:
        got = _records(_fetch(sock, version, 0, 9))
        from_middle = _records(_fetch(sock, version, 3, 10))
    # magic 0 has no timestamps; magic 1 keeps them (-1 where the message had none)
    expected = [(magic, o, k, v, None if magic == 0 else ts) for o, k, v, ts in mixed]
    assert got == expected
    # from inside the gzip wrapper: the whole wrapper comes back, as Kafka sends it, and the client skips to 3
    assert [r[1] for r in from_middle if r[1] >= 3] == [3, 4, 5, 6]
