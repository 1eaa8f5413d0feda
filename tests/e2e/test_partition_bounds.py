"""Partition bounds through real clients: a huge CreatePartitions or CreateTopics is refused whole and creates
nothing; the broker-wide bound holds for auto-creation too. A partition is recorded in kcli-topics.json and made on
disk by its first append, so what exists is read from that file."""

import json

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import InvalidPartitionsError, PolicyViolationError
from kafka.protocol.metadata import MetadataRequest, MetadataResponse

from kcli.broker.server import run_in_thread
from tests.broker.test_wire import Wire
from tests.conftest import broker_config


@pytest.fixture
def admin(broker):
    client = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    yield client
    client.close()


def _stored_partitions(log_dir):
    path = log_dir / "kcli-topics.json"
    return {name: meta["partitions"] for name, meta in json.loads(path.read_text()).items()} if path.exists() else {}


def _partition_dirs(log_dir, topic):
    return sorted(p.name for p in log_dir.glob(f"{topic}-*"))


def test_huge_create_partitions_is_refused_and_creates_nothing(broker, admin):
    admin.create_topics([NewTopic("grown", 2, 1)])
    with pytest.raises(PolicyViolationError) as info:
        admin.create_partitions({"grown": 6641})  # the bit-flipped request: 6,639 more
    assert "Unable to perform excessively large batch operation. The request would add 6639 partitions; " \
           "kcli.max.partitions.per.request is 1000." in str(info.value)
    assert _stored_partitions(broker.log_dir)["grown"] == 2
    assert len(admin.describe_topics(["grown"])[0]["partitions"]) == 2
    admin.create_partitions({"grown": 4})  # an ordinary request still works
    assert _stored_partitions(broker.log_dir)["grown"] == 4 and len(admin.describe_topics(["grown"])[0]["partitions"]) == 4


def test_huge_create_topics_is_refused_whole(broker, admin):
    response = admin.create_topics([NewTopic("huge", 6639, 1), NewTopic("small", 1, 1)], raise_errors=False)
    topics = response["topics"]
    assert [(t["name"], t["error_code"]) for t in topics] == [("huge", 44), ("small", 44)]  # POLICY_VIOLATION, as Kafka
    assert "The request would add 6640 partitions; kcli.max.partitions.per.request is 1000." in topics[1]["error_message"]
    assert not list(broker.log_dir.glob("huge-*")) and not list(broker.log_dir.glob("small-*"))
    assert not {"huge", "small"} & set(admin.list_topics())


def test_broker_bound_covers_create_topics_create_partitions_and_auto_creation(tmp_path):
    broker = run_in_thread(broker_config(tmp_path / "kafka-logs", **{"kcli.max.partitions": 10, "num.partitions": 3}))
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        admin.create_topics([NewTopic("eight", 8, 1)])
        with pytest.raises(InvalidPartitionsError) as info:
            admin.create_partitions({"eight": 11})
        assert "Adding 3 partition(s) would bring this broker to 11 partitions; kcli.max.partitions is 10." in str(info.value)
        with pytest.raises(InvalidPartitionsError):
            admin.create_topics([NewTopic("three", 3, 1)])
        wire = Wire(broker)
        request = MetadataRequest(topics=[MetadataRequest.MetadataRequestTopic(name="auto")], allow_auto_topic_creation=True)
        metadata = wire.call(request, MetadataResponse, 7)
        assert [(t.name, t.error_code) for t in metadata.topics] == [("auto", 3)]  # UNKNOWN_TOPIC_OR_PARTITION: not created
        assert not list(broker.log_dir.glob("auto-*")) and set(_stored_partitions(broker.log_dir)) == {"eight"}
        admin.create_partitions({"eight": 10})  # up to the bound is fine
        assert _stored_partitions(broker.log_dir)["eight"] == 10
        wire.sock.close()
    finally:
        admin.close()
        broker.stop()


def test_a_name_given_twice_is_refused_as_kafka_does(broker, admin):
    admin.create_topics([NewTopic("kept", 2, 1)])
    response = admin.create_topics([NewTopic("twice", 1, 1), NewTopic("twice", 3, 1), NewTopic("kept", 1, 1)], raise_errors=False)
    assert [(t["name"], t["error_code"], t["error_message"]) for t in response["topics"]] == [
        ("twice", 42, "Duplicate topic name."), ("twice", 42, "Duplicate topic name."),  # INVALID_REQUEST
        ("kept", 36, "Topic 'kept' already exists."),
    ]
    assert "twice" not in _stored_partitions(broker.log_dir) and _stored_partitions(broker.log_dir)["kept"] == 2
    response = admin.create_partitions({"kept": 3}, raise_errors=False)
    assert [r.error_code for r in response.results] == [0] and _stored_partitions(broker.log_dir)["kept"] == 3
