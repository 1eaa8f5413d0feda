"""The znodes of a ZooKeeper-mode broker: paths and JSON as a Kafka 3.x broker writes them."""

import json
import uuid

from kcli.broker import znodes
from kcli.broker.znodes import TopicRecord, ZooKeeperConnect

TOPIC_ID = uuid.UUID("4d74a85c-890b-4923-b69b-f283300f8de8")


def test_cluster_id_has_a_string_version():
    data = znodes.cluster_id_json("u8u30cXARAeVxLq7ZmFoWw")
    assert data == b'{"version":"1","id":"u8u30cXARAeVxLq7ZmFoWw"}'
    assert znodes.parse_cluster_id(data) == "u8u30cXARAeVxLq7ZmFoWw"


def test_broker_registration_is_version_5():
    data = znodes.broker_json("PLAINTEXT", "localhost", 9092, 1796086164875)
    assert data == (
        b'{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},'
        b'"endpoints":["PLAINTEXT://localhost:9092"],"jmx_port":-1,"port":9092,"host":"localhost",'
        b'"version":5,"timestamp":"1796086164875"}'
    )
    assert znodes.broker_path(3) == "/brokers/ids/3"


def test_controller_is_the_3x_form():
    data = znodes.controller_json(0, 1796086164875)
    assert data == b'{"version":2,"brokerid":0,"timestamp":"1796086164875","kraftControllerEpoch":-1}'
    assert znodes.parse_controller(data) == 0


def test_topic_assignment_partition_state_and_config():
    topic = TopicRecord("coffee", TOPIC_ID, 2, {"retention.ms": "1000", "cleanup.policy": "delete"})
    assert znodes.topic_json(topic, 0) == (
        b'{"removing_replicas":{},"partitions":{"0":[0],"1":[0]},"topic_id":"TXSoXIkLSSO2m_KDMA-N6A",'
        b'"adding_replicas":{},"version":3}'
    )
    assert znodes.partition_state_json(0, 1) == b'{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0]}'
    assert znodes.topic_config_json(topic.configs) == b'{"version":1,"config":{"cleanup.policy":"delete","retention.ms":"1000"}}'
    assert znodes.config_change_json("coffee") == b'{"version":2,"entity_path":"topics/coffee"}'


def test_topic_znodes_come_parents_first():
    nodes = znodes.topic_znodes(TopicRecord("coffee", TOPIC_ID, 2), broker_id=0, controller_epoch=3)
    paths = [p for p, _ in nodes]
    assert paths == [
        "/config/topics/coffee", "/brokers/topics/coffee", "/brokers/topics/coffee/partitions",
        "/brokers/topics/coffee/partitions/0", "/brokers/topics/coffee/partitions/0/state",
        "/brokers/topics/coffee/partitions/1", "/brokers/topics/coffee/partitions/1/state",
    ]
    data = dict(nodes)
    assert data["/brokers/topics/coffee/partitions"] is None  # null, not empty, as Kafka leaves it
    assert json.loads(data["/brokers/topics/coffee/partitions/1/state"])["controller_epoch"] == 3
    for path, _ in nodes:
        parent = path.rsplit("/", 1)[0]
        assert parent in ("/config/topics", "/brokers/topics") or paths.index(parent) < paths.index(path)


def test_topic_reads_back():
    topic = TopicRecord("coffee", TOPIC_ID, 3, {"retention.ms": "1000"})
    back = znodes.parse_topic("coffee", znodes.topic_json(topic, 0), znodes.topic_config_json(topic.configs))
    assert back == topic
    assert znodes.parse_topic("coffee", b"not json", None) is None
    assert znodes.parse_topic("coffee", b'{"version":3,"partitions":{}}', None) is None
    assert znodes.parse_kafka_uuid(znodes.kafka_uuid(TOPIC_ID)) == TOPIC_ID


def test_zookeeper_connect_with_and_without_chroot():
    assert ZooKeeperConnect.parse("localhost:2181") == ZooKeeperConnect("localhost:2181", "")
    assert ZooKeeperConnect.parse("a:1,b:2/kafka/one/") == ZooKeeperConnect("a:1,b:2", "/kafka/one")
    assert ZooKeeperConnect.parse("a:1/") == ZooKeeperConnect("a:1", "")


def test_config_changes_older_than_fifteen_minutes_are_purged():
    now = 100 * 60 * 1000
    children = {"config_change_0000000000": now - 16 * 60 * 1000, "config_change_0000000001": now - 60 * 1000, "other": 0}
    assert znodes.expired_config_changes(children, now) == ["config_change_0000000000"]


def test_persistent_paths_cover_what_a_kafka_broker_creates():
    for path in ("/brokers/ids", "/brokers/topics", "/brokers/seqid", "/admin/delete_topics", "/isr_change_notification",
                 "/latest_producer_id_block", "/log_dir_event_notification", "/config/changes", "/config/topics",
                 "/config/clients", "/config/users", "/config/brokers", "/config/ips", "/consumers"):
        assert path in znodes.PERSISTENT_PATHS
    for i, path in enumerate(znodes.PERSISTENT_PATHS):
        parent = path.rsplit("/", 1)[0]
        assert not parent or znodes.PERSISTENT_PATHS.index(parent) < i


def test_broker_registration_lists_every_listener():
    data = znodes.broker_json("SSL", "h", 9093, 1, [("SSL", "SSL", "h", 9093), ("SASL_PLAINTEXT", "SASL_PLAINTEXT", "h", 9094)])
    assert data == (
        b'{"features":{},"listener_security_protocol_map":{"SSL":"SSL","SASL_PLAINTEXT":"SASL_PLAINTEXT"},'
        b'"endpoints":["SSL://h:9093","SASL_PLAINTEXT://h:9094"],"jmx_port":-1,"port":-1,"host":null,'
        b'"version":5,"timestamp":"1"}'
    )
