"""kafka-configs against kcli's broker: topic overrides, dynamic broker configs that apply at once and survive a restart."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import MessageSizeTooLargeError

from kcli.broker.server import run_in_thread
from kcli.tools import configs as tool
from kcli.tools.errors import ToolError
from tests.conftest import broker_config


@pytest.fixture
def coffee(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic("coffee", 1, 1)])
    admin.close()
    return broker.bootstrap


def _lines(described) -> list[str]:
    return [f"{e.name}={e.value} {e.synonyms}" for entity in described for e in entity.entries]


def test_parse_add_config_groups_bracketed_lists():
    assert tool.parse_add_config("retention.ms=1000, cleanup.policy = [compact,delete],x=") == {
        "retention.ms": "1000", "cleanup.policy": "compact,delete", "x": ""}
    with pytest.raises(ToolError, match='must be in the format "key=val"'):
        tool.parse_add_config("retention.ms")
    with pytest.raises(ToolError, match="^Invalid character found for config key: a b$"):
        tool.parse_add_config("a b=1")


def test_topic_alter_then_describe_dynamic_and_all(coffee):
    tool.alter(coffee, "topics", "coffee", {"retention.ms": "60000", "cleanup.policy": "compact,delete"}, [])
    assert _lines(tool.describe(coffee, "topics", "coffee")) == [
        "cleanup.policy=compact,delete [('DYNAMIC_TOPIC_CONFIG', 'cleanup.policy', 'compact,delete'), ('DEFAULT_CONFIG', 'log.cleanup.policy', 'delete')]",
        "retention.ms=60000 [('DYNAMIC_TOPIC_CONFIG', 'retention.ms', '60000'), ('STATIC_BROKER_CONFIG', 'log.retention.hours', '168'), "
        "('DEFAULT_CONFIG', 'log.retention.hours', '168')]",
    ]
    everything = tool.describe(coffee, "topics", "coffee", describe_all=True)[0]
    assert everything.all and {e.name for e in everything.entries} >= {"segment.bytes", "max.message.bytes", "retention.ms"}
    tool.alter(coffee, "topics", "coffee", {}, ["retention.ms"])
    assert [e.name for e in tool.describe(coffee, "topics", "coffee")[0].entries] == ["cleanup.policy"]


def test_topic_errors_in_kafkas_words(coffee):
    with pytest.raises(ToolError, match="^Invalid config\\(s\\): nope$"):
        tool.alter(coffee, "topics", "coffee", {}, ["nope"])
    with pytest.raises(tool.BrokerError, match="InvalidConfigurationException: Unknown topic config name: foo.bar"):
        tool.alter(coffee, "topics", "coffee", {"foo.bar": "1"}, [])
    with pytest.raises(tool.BrokerError, match="UnknownTopicOrPartitionException"):
        tool.describe(coffee, "topics", "tea")


def test_every_topic_when_no_name_is_given(coffee):
    assert "coffee" in [e.name for e in tool.describe(coffee, "topics", None)]


def test_dynamic_broker_config_applies_at_once_and_survives_a_restart(tmp_path):
    config = broker_config(tmp_path / "logs")
    broker = run_in_thread(config)
    try:
        bootstrap = broker.bootstrap
        producer = KafkaProducer(bootstrap_servers=bootstrap, max_request_size=10_000_000, retries=0)
        producer.send("big", b"x" * 3000).get(timeout=30)  # fits Kafka's default message.max.bytes
        tool.alter(bootstrap, "brokers", "", {"message.max.bytes": "2000", "log.flush.interval.messages": "7"}, [])
        with pytest.raises(MessageSizeTooLargeError):
            producer.send("big", b"x" * 3000).get(timeout=30)
        partition = broker.broker.catalog.partition("big", 0)
        assert (partition.config.max_message_bytes, partition.config.flush_messages) == (2000, 7)
        tool.alter(bootstrap, "brokers", "0", {"log.retention.ms": "120000"}, [])
        described = tool.describe(bootstrap, "brokers", None)
        assert [(d.name, [(e.name, e.value) for e in d.entries]) for d in described] == [
            ("0", [("log.retention.ms", "120000")]), ("", [("log.flush.interval.messages", "7"), ("message.max.bytes", "2000")])]
        assert described[0].entries[0].synonyms[0] == ("DYNAMIC_BROKER_CONFIG", "log.retention.ms", "120000")
        topic = {e.name: e for e in tool.describe(bootstrap, "topics", "big", describe_all=True)[0].entries}
        assert topic["max.message.bytes"].value == "2000"
        assert topic["max.message.bytes"].synonyms[0] == ("DYNAMIC_DEFAULT_BROKER_CONFIG", "message.max.bytes", "2000")
        assert topic["retention.ms"].value == "120000"
        producer.close()
    finally:
        broker.stop()
    broker = run_in_thread(broker_config(tmp_path / "logs"))
    try:
        bootstrap = broker.bootstrap
        assert [(d.name, [(e.name, e.value) for e in d.entries]) for d in tool.describe(bootstrap, "brokers", None)] == [
            ("0", [("log.retention.ms", "120000")]), ("", [("log.flush.interval.messages", "7"), ("message.max.bytes", "2000")])]
        assert broker.broker.catalog.partition("big", 0).config.flush_messages == 7  # applied before the logs opened
        producer = KafkaProducer(bootstrap_servers=bootstrap, max_request_size=10_000_000, retries=0)
        with pytest.raises(MessageSizeTooLargeError):
            producer.send("big", b"x" * 3000).get(timeout=30)
        tool.alter(bootstrap, "brokers", "", {}, ["message.max.bytes"])
        producer.send("big", b"x" * 3000).get(timeout=30)  # back to Kafka's default at once
        producer.close()
    finally:
        broker.stop()


def test_broker_configs_kcli_cannot_change_at_run_time_are_refused(broker):
    with pytest.raises(tool.BrokerError, match=r"InvalidRequestException: Cannot update these configs dynamically: Set\(num.partitions\)"):
        tool.alter(broker.bootstrap, "brokers", "0", {"num.partitions": "3"}, [])
    with pytest.raises(tool.BrokerError, match="InvalidConfigurationException: Invalid value x for configuration log.retention.ms"):
        tool.alter(broker.bootstrap, "brokers", "0", {"log.retention.ms": "x"}, [])
    with pytest.raises(ToolError, match="^The entity name for brokers must be a valid integer broker id, found: zero$"):
        tool.describe(broker.bootstrap, "brokers", "zero")


def test_all_broker_configs_with_sources(broker):
    entries = {e.name: e for e in tool.describe(broker.bootstrap, "brokers", "0", describe_all=True)[0].entries}
    assert entries["log.retention.hours"].synonyms[0] == ("STATIC_BROKER_CONFIG", "log.retention.hours", "168")
    assert entries["log.retention.ms"].value is None
    assert entries["message.max.bytes"].synonyms == [("DEFAULT_CONFIG", "message.max.bytes", "1048588")]


def test_confluent_kafka_sees_dynamic_broker_configs(broker):
    from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource

    tool.alter(broker.bootstrap, "brokers", "0", {"log.flush.interval.messages": "5"}, [])
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    resource = ConfigResource(ConfigResource.Type.BROKER, "0")
    entry = admin.describe_configs([resource])[resource].result(timeout=30)["log.flush.interval.messages"]
    assert entry.value == "5" and entry.source == ConfigSource.DYNAMIC_BROKER_CONFIG.value
    assert not entry.is_read_only
