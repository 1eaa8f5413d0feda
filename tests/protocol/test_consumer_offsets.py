"""__consumer_offsets keys and values in Kafka's schemas, and Kafka's group → partition mapping."""

from kcli.broker.group.metadata_manager import partition_for
from kcli.protocol.java_hash import string_hash
from kcli.protocol.kafka import consumer_offsets as schema


def test_offset_key_and_value_round_trip_in_kafkas_layout():
    key = schema.OffsetKey("g1", "coffee", 3)
    data = schema.encode_key(key)
    assert data == b"\x00\x01" b"\x00\x02g1" b"\x00\x06coffee" b"\x00\x00\x00\x03"
    assert schema.decode_key(data) == key
    value = schema.OffsetValue(42, 7, "meta", 1_700_000_000_000)
    assert schema.decode_offset_value(schema.encode_value(value)) == value


def test_group_value_round_trips_with_members():
    member = schema.MemberValue("m-1", "i-1", "client", "/127.0.0.1", 300_000, 45_000, b"sub", b"assign")
    value = schema.GroupValue("consumer", 4, "range", "m-1", 123, (member,))
    assert schema.decode_group_value(schema.encode_value(value)) == value
    assert schema.decode_key(schema.encode_key(schema.GroupKey("g1"))) == schema.GroupKey("g1")


def test_subscribed_topics_reads_a_consumer_subscription():
    subscription = b"\x00\x00" b"\x00\x00\x00\x02" b"\x00\x01a" b"\x00\x01b" b"\xff\xff\xff\xff"
    assert schema.subscribed_topics(subscription) == {"a", "b"}
    assert schema.subscribed_topics(b"\x00") == set()


def test_group_partition_is_javas_string_hash_as_kafka_uses_it():
    assert string_hash("hello") == 99162322
    assert string_hash("polygenelubricants") == -(2**31)  # the one whose abs overflows
    assert partition_for("polygenelubricants", 50) == 0
    assert partition_for("hello", 50) == 99162322 % 50
