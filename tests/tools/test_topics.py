"""kafka-topics operations return data or raise ToolError in Kafka's words."""

import socket
import uuid

import pytest

from kcli.tools import topics
from kcli.tools.admin import admin_settings
from kcli.tools.errors import ToolError


def test_topic_ids_print_as_kafka_prints_them():
    assert topics._topic_id_text(uuid.UUID("34c9a11f-285b-47dc-b4d3-30c210c1fdb2")) == "NMmhHyhbR9y00zDCEMH9sg"
    assert topics._topic_id_text(uuid.UUID(int=0)) is None
    assert topics._topic_id_text(None) is None


def test_selection_is_sorted_full_match_regex_and_can_hide_internal_topics():
    names = ["tea", "__consumer_offsets", "coffee", "coffee-beans"]
    assert topics._select(names, None, False) == ["__consumer_offsets", "coffee", "coffee-beans", "tea"]
    assert topics._select(names, None, True) == ["coffee", "coffee-beans", "tea"]
    assert topics._select(names, "coffee", False) == ["coffee"]
    assert topics._select(names, "coffee.*", False) == ["coffee", "coffee-beans"]


def test_create_describe_alter_delete(broker):
    bs = broker.bootstrap
    assert topics.create(bs, "coffee", 2, 1, {"retention.ms": "60000"}) is True
    assert topics.create(bs, "coffee", 2, 1, {}, if_not_exists=True) is False
    [described] = topics.describe(bs, "coffee")
    assert (described.name, described.partition_count, described.replication_factor) == ("coffee", 2, 1)
    assert ("retention.ms", "60000") in described.configs
    assert [(p.partition, p.leader, p.replicas, p.isr) for p in described.partitions] == [(0, 0, [0], [0]), (1, 0, [0], [0])]
    topics.alter_partitions(bs, "coffee", 4)
    assert topics.describe(bs, "coffee")[0].partition_count == 4
    assert topics.delete(bs, "coffee") == ["coffee"]
    assert topics.list_topics(bs) == []


def test_defaults_come_from_the_broker(broker):
    assert topics.create(broker.bootstrap, "plain", None, None, {}) is True
    assert topics.describe(broker.bootstrap, "plain")[0].partition_count == 1


def test_broker_errors_carry_the_brokers_message(broker):
    topics.create(broker.bootstrap, "coffee", 1, 1, {})
    with pytest.raises(ToolError) as caught:
        topics.create(broker.bootstrap, "coffee", 1, 1, {})
    assert caught.value.message == "Topic 'coffee' already exists."
    with pytest.raises(ToolError) as caught:
        topics.delete(broker.bootstrap, "absent")
    assert caught.value.message == "Topic 'absent' does not exist as expected"
    assert topics.delete(broker.bootstrap, "absent", if_exists=True) == []


def test_unreachable_cluster_times_out_with_the_call_named():
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = "127.0.0.1:%d" % silent.getsockname()[1]
        with pytest.raises(ToolError) as caught:
            topics.list_topics(address, settings=admin_settings({"default.api.timeout.ms": "500"}))
    assert caught.value.message == "Timed out waiting for a node assignment. Call: listTopics"
