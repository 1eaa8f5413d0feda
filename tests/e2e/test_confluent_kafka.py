"""confluent-kafka (librdkafka) against the kcli broker."""

import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic, OffsetSpec


def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def produce(broker, topic, messages, **conf):
    reports = []
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5, **conf})
    for kwargs in messages:
        producer.produce(topic, on_delivery=lambda err, msg: reports.append((err, msg)), **kwargs)
    assert producer.flush(30) == 0
    return reports


def consume(broker, topic, partition, count, offset=0):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, partition, offset)])
    records, deadline = [], time.monotonic() + 20
    while len(records) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            records.append(msg)
    consumer.close()
    return records


def test_admin_topics_partitions_configs(broker):
    client = admin(broker)
    for future in client.create_topics([NewTopic("latte", num_partitions=3, replication_factor=1, config={"retention.ms": "3600000"})]).values():
        future.result(10)
    described = client.describe_topics(__import__("confluent_kafka").TopicCollection(["latte"]))["latte"].result(10)
    assert [p.id for p in described.partitions] == [0, 1, 2]
    for future in client.create_partitions([NewPartitions("latte", 5)]).values():
        future.result(10)
    metadata = client.list_topics(timeout=10)
    assert len(metadata.topics["latte"].partitions) == 5
    resource = ConfigResource(ConfigResource.Type.TOPIC, "latte")
    configs = client.describe_configs([resource])[resource].result(10)
    assert configs["retention.ms"].value == "3600000"
    assert configs["cleanup.policy"].value == "delete"
    assert configs["segment.bytes"].value == "1073741824"
    for future in client.delete_topics(["latte"]).values():
        future.result(10)
    assert "latte" not in client.list_topics(timeout=10).topics


def test_replication_factor_above_broker_count_is_refused(broker):
    client = admin(broker)
    future = client.create_topics([NewTopic("rf3", 1, 3)])["rf3"]
    with pytest.raises(KafkaException) as info:
        future.result(10)
    assert info.value.args[0].code() == KafkaError.INVALID_REPLICATION_FACTOR


def test_keys_headers_and_consume_by_assign(broker):
    reports = produce(broker, "mocha", [
        {"key": b"k1", "value": b"v1", "headers": [("h", b"1")], "partition": 0},
        {"key": None, "value": b"v2", "partition": 0},
        {"key": b"k3", "value": b"", "headers": [("a", b"x"), ("b", None)], "partition": 0},
    ])
    assert all(err is None for err, _ in reports)
    records = consume(broker, "mocha", 0, 3)
    assert [(m.key(), m.value(), m.headers()) for m in records] == [
        (b"k1", b"v1", [("h", b"1")]),
        (None, b"v2", None),
        (b"k3", b"", [("a", b"x"), ("b", None)]),
    ]


def test_list_offsets_earliest_latest_and_by_timestamp(broker):
    base = 1_700_000_000_000
    produce(broker, "cortado", [{"value": b"m%d" % i, "timestamp": base + i * 1000, "partition": 0} for i in range(5)])
    client = admin(broker)
    tp = TopicPartition("cortado", 0)

    def lookup(spec):
        return client.list_offsets({tp: spec})[tp].result(10).offset

    assert lookup(OffsetSpec.earliest()) == 0
    assert lookup(OffsetSpec.latest()) == 5
    assert lookup(OffsetSpec.for_timestamp(base + 2500)) == 3
    assert lookup(OffsetSpec.for_timestamp(base + 10_000)) == -1


def test_idempotent_producer(broker):
    reports = produce(broker, "ristretto", [{"value": b"%d" % i, "partition": 0} for i in range(1000)], **{"enable.idempotence": True})
    assert all(err is None for err, _ in reports)
    assert sorted(m.offset() for _, m in reports) == list(range(1000))


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_compression(broker, codec):
    topic = f"compressed-{codec}"
    reports = produce(broker, topic, [{"value": b"coffee %d " % i * 20, "partition": 0} for i in range(200)], **{"compression.type": codec})
    assert all(err is None for err, _ in reports)
    records = consume(broker, topic, 0, 200)
    assert [m.value() for m in records] == [b"coffee %d " % i * 20 for i in range(200)]


def test_900kb_round_trips_and_2mb_is_too_large(broker):
    big = bytes(range(256)) * 3600  # 921,600 bytes
    reports = produce(broker, "big", [{"value": big, "partition": 0}], **{"message.max.bytes": 4_000_000})
    assert reports[0][0] is None
    assert consume(broker, "big", 0, 1)[0].value() == big
    reports = produce(broker, "big", [{"value": b"x" * 2_000_000, "partition": 0}], **{"message.max.bytes": 4_000_000})
    assert reports[0][0].code() == KafkaError.MSG_SIZE_TOO_LARGE
