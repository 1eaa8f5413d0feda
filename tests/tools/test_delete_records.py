"""kafka-delete-records' offset file rules and output order, from data: no cluster."""

import pytest

from kcli.tools.delete_records import java_error, java_hash_map_order, parse_offset_json
from kcli.tools.errors import ToolError


def test_the_offset_file_in_kafkas_format():
    text = '{"partitions": [{"topic": "coffee", "partition": 1, "offset": 3}, {"topic": "tea", "partition": 0, "offset": -1}], "version": 1}'
    assert parse_offset_json(text) == [("coffee", 1, 3), ("tea", 0, -1)]
    assert parse_offset_json('{"partitions": []}') == []  # version 1 when left out


@pytest.mark.parametrize("text, message", [
    ("[1, 2", "The input string is not a valid JSON"),
    ("[]", "The input string is not a valid JSON"),
    ('{"version": 1}', "Missing partitions field"),
    ('{"partitions": [], "version": 0}', "Not supported version field value 0"),
    ('{"partitions": {}}', "Expected an array of partitions, found {}"),
    ('{"partitions": [{"topic": "a", "partition": "0", "offset": 1}]}',
     'Expected a topic, partition and offset in each of partitions, found {"topic": "a", "partition": "0", "offset": 1}'),
    ('{"partitions": [{"topic": "a", "partition": 0, "offset": 1}, {"topic": "b", "partition": 0, "offset": 1},'
     ' {"topic": "a", "partition": 0, "offset": 2}, {"topic": "b", "partition": 0, "offset": 5}]}',
     "Offset json file contains duplicate topic partitions: a-0,b-0"),
])
def test_a_bad_offset_file_gets_kafkas_message(text, message):
    with pytest.raises(ToolError) as caught:
        parse_offset_json(text)
    assert caught.value.message == message


def test_results_come_in_java_hash_map_order_and_a_bucket_keeps_insertion_order():
    # by hand: "tea".hashCode() = 116·31² + 101·31 + 97 = 114704; TopicPartition("tea", 0) hashes to 31·31 + 114704,
    # which spreads to bucket 0 of 16; coffee-0, -1, -2 land in buckets 6, 7 and 0, coffee-2 inserted before tea-0
    keys = [("coffee", p) for p in range(3)] + [("tea", 0)]
    assert java_hash_map_order(keys) == [("coffee", 2), ("tea", 0), ("coffee", 0), ("coffee", 1)]
    assert java_hash_map_order([("Aa", 0), ("BB", 0)]) == [("Aa", 0), ("BB", 0)]  # same hash: as inserted
    assert java_hash_map_order([("BB", 0), ("Aa", 0)]) == [("BB", 0), ("Aa", 0)]
    many = [("t", p) for p in range(40)]  # past 12 entries the table grows; every key is still listed once
    assert sorted(java_hash_map_order(many)) == many


def test_errors_are_printed_as_the_java_admin_clients_exceptions():
    assert java_error(1) == ("org.apache.kafka.common.errors.OffsetOutOfRangeException: "
                             "The requested offset is not within the range of offsets maintained by the server.")
    assert java_error(12345).startswith("org.apache.kafka.common.errors.UnknownServerException: ")
