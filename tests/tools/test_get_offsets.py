"""kafka-get-offsets against a real kcli broker: selection rules, times, ordering and Kafka's errors."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from kcli.tools import get_offsets as tool
from kcli.tools.errors import ToolError


@pytest.fixture
def topics(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic("coffee", 12, 1), NewTopic("tea", 2, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    for i in range(4):
        producer.send("coffee", b"v%d" % i, partition=0, timestamp_ms=1_000 + i)
    producer.send("coffee", b"w", partition=10, timestamp_ms=5_000)
    producer.send("tea", b"t", partition=1, timestamp_ms=2_000)
    producer.flush()
    producer.close()
    return broker.bootstrap


def _offsets(bootstrap, time="latest", topic=None, partitions=None, topic_partitions=None, exclude_internal=False):
    result = tool.get_offsets(bootstrap, tool.rules(topic, partitions, topic_partitions), tool.parse_time(time), exclude_internal)
    return [f"{t}:{p}:{o}" for t, p, o in result.offsets], result.skipped


def test_latest_and_earliest_in_kafkas_topic_partition_text_order(topics):
    latest, skipped = _offsets(topics, topic="coffee")
    assert skipped == []
    assert latest == ["coffee:0:4", "coffee:1:0", "coffee:10:1", "coffee:11:0"] + [f"coffee:{p}:0" for p in range(2, 10)]
    earliest, _ = _offsets(topics, "-2", topic="coffee", partitions="0,10")
    assert earliest == ["coffee:0:0", "coffee:10:0"]


def test_by_timestamp_and_past_the_last_record(topics):
    assert _offsets(topics, "1002", topic="coffee", partitions="0")[0] == ["coffee:0:2"]
    assert _offsets(topics, "99999", topic="coffee", partitions="0")[0] == []  # no offset: the partition is left out


def test_topic_regex_and_topic_partition_rules(topics):
    assert _offsets(topics, topic="t.*")[0] == ["tea:0:0", "tea:1:1"]
    assert _offsets(topics, topic_partitions="coffee:9-11,tea:1")[0] == ["coffee:10:1", "coffee:9:0", "tea:1:1"]
    assert _offsets(topics, topic_partitions="tea:-1")[0] == ["tea:0:0"]
    assert _offsets(topics, topic_partitions="coffee:11-")[0] == ["coffee:11:0"]


def test_internal_topics_are_included_unless_excluded(topics):
    from kafka import KafkaConsumer
    from kafka.structs import OffsetAndMetadata, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=topics, group_id="g", enable_auto_commit=False)
    consumer.commit({TopicPartition("tea", 0): OffsetAndMetadata(0, "", -1)})
    consumer.close()
    assert any(line.startswith("__consumer_offsets:") for line in _offsets(topics)[0])
    assert not any(line.startswith("__consumer_offsets:") for line in _offsets(topics, exclude_internal=True)[0])


def test_max_timestamp_is_the_offset_of_the_largest_timestamp(topics):
    """-3 (ListOffsets v7+, KIP-734): the offset of the record stamped latest, whatever its position."""
    offsets, skipped = _offsets(topics, "max-timestamp", topic="coffee", partitions="0,10")
    assert skipped == []
    assert offsets == ["coffee:0:3", "coffee:10:0"]


def test_errors_in_kafkas_words(topics):
    with pytest.raises(ToolError, match="^Could not match any topic-partitions with the specified filters$"):
        _offsets(topics, topic="nothing.*")
    with pytest.raises(ToolError, match="^--topic-partitions cannot be used with --topic or --partitions$"):
        tool.rules("coffee", None, "coffee:0")
    with pytest.raises(ToolError, match="^--partitions expects a comma separated list of numeric partition ids, but received: a,1$"):
        tool.rules("coffee", "a,1", None)
    with pytest.raises(ToolError, match="^Invalid rule specification: coffee:x$"):
        tool.rules(None, None, "coffee:x")
    with pytest.raises(ToolError, match="^Malformed time argument yesterday. Please use -1 or latest"):
        tool.parse_time("yesterday")
    assert [tool.parse_time(t) for t in ("latest", "earliest", "max-timestamp", "-1", "-2", "-3", "1700000000000")] == [-1, -2, -3, -1, -2, -3, 1700000000000]
