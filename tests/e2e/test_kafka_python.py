"""kafka-python 3.x against the kcli broker: admin, idempotent producer, consumer by assign."""

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError


def consume(bootstrap, topic, partition, count, **kw):
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
        consumer_timeout_ms=10_000, **kw,
    )
    consumer.assign([TopicPartition(topic, partition)])
    records = []
    for record in consumer:
        records.append(record)
        if len(records) == count:
            break
    consumer.close()
    return records


def test_admin_create_list_delete(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic("orders", 3, 1), NewTopic("payments", 1, 1)])
    assert {"orders", "payments"} <= set(admin.list_topics())
    try:
        admin.create_topics([NewTopic("orders", 1, 1)])
        raise AssertionError("creating an existing topic must fail")
    except TopicAlreadyExistsError:
        pass
    admin.delete_topics(["payments"])
    assert "payments" not in admin.list_topics()
    assert not (broker.log_dir / "payments-0").exists()
    admin.close()


def test_idempotent_producer_and_consumer_by_assign(broker):
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=True, acks="all")
    futures = [producer.send("beans", key=b"k%d" % i, value=b"v%d" % i, partition=0) for i in range(100)]
    producer.flush()
    offsets = [f.get(timeout=10).offset for f in futures]
    assert offsets == list(range(100))
    producer.close()
    records = consume(broker.bootstrap, "beans", 0, 100)
    assert [(r.offset, r.key, r.value) for r in records] == [(i, b"k%d" % i, b"v%d" % i) for i in range(100)]


def test_null_key_empty_value_null_value_stay_distinct(broker):
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    producer.send("nulls", key=None, value=b"no key", partition=0)
    producer.send("nulls", key=b"empty", value=b"", partition=0)
    producer.send("nulls", key=b"tombstone", value=None, partition=0)
    producer.flush()
    producer.close()
    records = consume(broker.bootstrap, "nulls", 0, 3)
    assert [(r.key, r.value) for r in records] == [(None, b"no key"), (b"empty", b""), (b"tombstone", None)]
