"""kafka-delete-records: move partitions' log start offsets, from Kafka's offset JSON file.

The file (Kafka's DeleteRecordsCommand, version 1, the only one)::

    {"partitions": [{"topic": "coffee", "partition": 0, "offset": 3}], "version": 1}

``offset`` -1 means the high watermark; ``version`` may be left out. Each
partition gets its new low watermark or the error the broker answered, worded
as the Java admin client's exception (``org.apache.kafka.common.errors.…``).
Results come in the order Kafka's tool prints them: a Java ``HashMap`` of
``TopicPartition``, which iterates by hash bucket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kcli.protocol import java_hash
from kcli.tools.admin import admin_client
from kcli.tools.client_config import ClientSettings
from kcli.tools.errors import ToolError

EARLIEST_VERSION = 1

# Java's exception and Kafka's message (org.apache.kafka.common.protocol.Errors) for the errors DeleteRecords answers.
_JAVA_ERRORS = {
    -1: ("UnknownServerException", "The server experienced an unexpected error when processing the request."),
    1: ("OffsetOutOfRangeException", "The requested offset is not within the range of offsets maintained by the server."),
    3: ("UnknownTopicOrPartitionException", "This server does not host this topic-partition."),
    6: ("NotLeaderOrFollowerException", "For requests intended only for the leader, this error indicates that the broker "
        "is not the current leader. For requests intended for any replica, this error indicates that the broker is not "
        "a replica of the topic partition."),
    7: ("TimeoutException", "The request timed out."),
    17: ("InvalidTopicException", "The request attempted to perform an operation on an invalid topic."),
    29: ("TopicAuthorizationException", "Topic authorization failed."),
    44: ("PolicyViolationException", "Request parameters do not satisfy the configured policy."),
    56: ("KafkaStorageException", "Disk error when trying to access log file on the disk."),
}


@dataclass(frozen=True)
class DeletedRecords:
    topic: str
    partition: int
    low_watermark: int | None  # None when ``error`` says why not
    error: str | None = None


def parse_offset_json(text: str) -> list[tuple[str, int, int]]:
    """(topic, partition, offset) per entry; ToolError with Kafka's message for a bad file."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ToolError("The input string is not a valid JSON") from None
    if not isinstance(data, dict):
        raise ToolError("The input string is not a valid JSON")
    version = data.get("version", EARLIEST_VERSION)
    if version != EARLIEST_VERSION:
        raise ToolError(f"Not supported version field value {version}")
    if "partitions" not in data:
        raise ToolError("Missing partitions field")
    items = data["partitions"]
    if not isinstance(items, list):
        raise ToolError(f"Expected an array of partitions, found {json.dumps(items)}")
    entries = []
    for item in items:
        fields = (item.get("topic"), item.get("partition"), item.get("offset")) if isinstance(item, dict) else (None, None, None)
        topic, partition, offset = fields
        if not isinstance(topic, str) or type(partition) is not int or type(offset) is not int:
            raise ToolError(f"Expected a topic, partition and offset in each of partitions, found {json.dumps(item)}")
        entries.append((topic, partition, offset))
    seen, duplicates = set(), []
    for topic, partition, _ in entries:
        if (topic, partition) in seen and f"{topic}-{partition}" not in duplicates:
            duplicates.append(f"{topic}-{partition}")
        seen.add((topic, partition))
    if duplicates:
        raise ToolError(f"Offset json file contains duplicate topic partitions: {','.join(duplicates)}")
    return entries


def delete_records(bootstrap: str, offsets: list[tuple[str, int, int]], settings: ClientSettings | None = None) -> list[DeletedRecords]:
    """Delete the records before each offset; one result per partition, in Kafka's output order."""
    from kafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
    from kafka.structs import TopicPartition

    wanted = {TopicPartition(t, p): o for t, p, o in offsets}
    results: dict[tuple[str, int], DeletedRecords] = {}
    with admin_client(bootstrap, "deleteRecords", settings) as admin:
        try:
            answered = admin.delete_records(wanted)
        except (KafkaTimeoutError, KafkaConnectionError):
            raise
        except KafkaError:
            answered = None  # kafka-python raises for any failed partition: ask again one by one (deleting is idempotent)
        if answered is not None:
            for tp, result in answered.items():
                results[(tp.topic, tp.partition)] = DeletedRecords(tp.topic, tp.partition, result["low_watermark"])
        else:
            for tp, offset in wanted.items():
                results[(tp.topic, tp.partition)] = _delete_one(admin, tp, offset)
    return [results[key] for key in java_hash_map_order(list(results))]


def _delete_one(admin, tp, offset: int) -> DeletedRecords:
    from kafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError, UnknownTopicOrPartitionError

    try:
        result = admin.delete_records({tp: offset})[tp]
    except (KafkaTimeoutError, KafkaConnectionError):
        raise
    except UnknownTopicOrPartitionError:  # kafka-python's own metadata check
        return DeletedRecords(tp.topic, tp.partition, None, java_error(3))
    except KafkaError as exc:
        return DeletedRecords(tp.topic, tp.partition, None, java_error(getattr(exc, "errno", -1) or -1))
    return DeletedRecords(tp.topic, tp.partition, result["low_watermark"])


def java_error(code: int) -> str:
    """How Kafka's tool prints a failed partition future: the exception's class and message."""
    name, message = _JAVA_ERRORS.get(code, _JAVA_ERRORS[-1])
    return f"org.apache.kafka.common.errors.{name}: {message}"


def java_hash_map_order(keys: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """``keys`` (topic, partition) in the order a Java HashMap<TopicPartition, …> filled in this order iterates them."""
    return java_hash.hash_map_order(keys, lambda key: java_hash.topic_partition_hash(*key))
