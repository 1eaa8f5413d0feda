"""ListOffsets (key 2): serves v0–v9, Kafka 3.9's range; v1 is librdkafka's offset-by-time check.

v0 (gone in 4.0) answers ``max_num_offsets`` offsets, newest first, from the
segments' base offsets and file times (``old_style_offsets``), as Kafka 3.9's
legacyFetchOffsetsBefore does; v1 replaces them with one offset and its timestamp.

timestamp -2 (earliest) is the log start offset, and so is -4 (earliest-local,
v8+: kcli has no tiered storage); -1 (latest) is the high watermark, or the
last stable offset under read_committed; -3 (max-timestamp, v7+, KIP-734) is
the first record carrying the log's largest timestamp; -5 (latest-tiered,
v9+) is -1, as Kafka answers without remote storage; any timestamp >= 0 is
the first record stamped at or after it. The last two are found through the
segments' time and offset indexes (Partition), and are -1 when there is none
(or when the record lies at or past what a consumer may fetch). A negative
timestamp not among these, or one newer than the request's version, gets
UNSUPPORTED_VERSION for its partition, as Kafka's ReplicaManager answers.
v2 adds isolation_level; v4 current_leader_epoch / leader_epoch (-1 here);
v6 is flexible.
A stored batch on the way that does not decode answers CORRUPT_MESSAGE for that
partition (Kafka answers its decompression failure with UNKNOWN_SERVER_ERROR, a
record that does not parse with INVALID_RECORD).
"""

import itertools
import struct

from kafka.protocol.consumer import ListOffsetsRequest as Request
from kafka.protocol.consumer import ListOffsetsResponse as Response

from kcli.broker.log.partition import AppendError
from kcli.broker.acl.bindings import DESCRIBE, TOPIC
from kcli.protocol.kafka import encoded
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 9)
LATEST, EARLIEST, MAX_TIMESTAMP, EARLIEST_LOCAL, LATEST_TIERED = -1, -2, -3, -4, -5
READ_COMMITTED = 1
FLEXIBLE = 6  # the first flexible version
CONSUMER = -1  # the replica_id of a request from a consumer (Kafka's ListOffsetsRequest.CONSUMER_REPLICA_ID)
# the first version each special timestamp is accepted in (Kafka's ReplicaManager.timestampMinSupportedVersion)
MIN_VERSION = {EARLIEST: 1, LATEST: 1, MAX_TIMESTAMP: 7, EARLIEST_LOCAL: 8, LATEST_TIERED: 9}

_Topic = Response.ListOffsetsTopicResponse
_Partition = _Topic.ListOffsetsPartitionResponse


def handle(request, ctx):
    if ctx.api_version == 0:
        topics = [
            _Topic(name=t.name, partitions=[_old_style(ctx, t.name, p, from_consumer=request.replica_id == CONSUMER) for p in t.partitions])
            for t in request.topics
        ]
        return Response(version=0, throttle_time_ms=0, topics=topics)
    answers = []
    for t in request.topics:
        results = []
        allowed = ctx.authorized(DESCRIBE, TOPIC, t.name)  # once per topic, not per partition
        topic = ctx.catalog.topics.get(t.name)
        partitions = topic.partitions if topic is not None else []
        for p in t.partitions:
            partition = partitions[p.partition_index] if 0 <= p.partition_index < len(partitions) else None
            try:
                code, (offset, timestamp) = _lookup(request.isolation_level, ctx.api_version, allowed, partition, p)
            except AppendError as exc:  # a stored batch that does not decode: this partition's error only
                code, offset, timestamp = exc.code, -1, -1
            results.append((p.partition_index, code, timestamp, offset))
        answers.append((t.name, results))
    return encoded.EncodedResponse(ctx.api_version, encode(ctx.api_version, answers), flexible=ctx.api_version >= FLEXIBLE)


def encode(version: int, topics: list[tuple[str, list[tuple[int, int, int, int]]]]) -> bytes:
    """The v1+ body, by hand (a few µs, not kafka-python's objects per partition): throttle_time_ms (v2+), then
    per topic its name and per partition (partition_index, error_code, timestamp, offset, leader_epoch -1 (v4+));
    v6+ compact lengths and empty tagged fields. Checked against ListOffsetsResponse in tests/broker/test_list_offsets.py."""
    flexible = version >= FLEXIBLE
    one = struct.Struct(">ihqq" + ("i" if version >= 4 else "") + ("B" if flexible else ""))
    tail = ((-1,) if version >= 4 else ()) + ((0,) if flexible else ())
    parts = [encoded.INT32.pack(0)] if version >= 2 else []
    parts.append(encoded.uvarint(len(topics) + 1) if flexible else encoded.INT32.pack(len(topics)))
    for name, partitions in topics:
        parts.append(encoded.compact_string(name) if flexible else encoded.string(name))
        parts.append(encoded.uvarint(len(partitions) + 1) if flexible else encoded.INT32.pack(len(partitions)))
        parts += [one.pack(index, code, timestamp, offset, *tail) for index, code, timestamp, offset in partitions]
        if flexible:
            parts.append(encoded.NO_TAGGED_FIELDS)
    if flexible:
        parts.append(encoded.NO_TAGGED_FIELDS)
    return b"".join(parts)


def _old_style(ctx, topic: str, p, from_consumer: bool):
    """v0: up to ``max_num_offsets`` offsets, newest first (Kafka's Partition.legacyFetchOffsetsForTimestamp)."""
    partition = ctx.catalog.partition(topic, p.partition_index)
    if partition is None:
        return _Partition(partition_index=p.partition_index, error_code=ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, old_style_offsets=[])
    offsets = legacy_offsets_before(partition, p.timestamp, p.max_num_offsets, ctx.now_ms)
    hw = partition.high_watermark
    if from_consumer and any(o > hw for o in offsets):  # a consumer never sees past the high watermark
        offsets = [hw] + list(itertools.dropwhile(lambda o: o > hw, offsets))
    return _Partition(partition_index=p.partition_index, error_code=ErrorCode.NONE, old_style_offsets=offsets)


def legacy_offsets_before(partition, timestamp: int, max_num_offsets: int, now_ms: int) -> list[int]:
    """Kafka's UnifiedLog.legacyFetchOffsetsBefore: each segment's base offset (at least the log start offset)
    with its file's modification time, and the log end offset at ``now_ms`` when the active segment holds
    data; from the last entry (LATEST), the first (EARLIEST) or the last one modified at or before
    ``timestamp``, up to ``max_num_offsets`` offsets counting back, in descending order."""
    segments = list(partition.segments)
    entries = [(max(s.base_offset, partition.log_start_offset), _modified_ms(s)) for s in segments]
    if segments and segments[-1].size > 0:
        entries.append((partition.log_end_offset, now_ms))
    if timestamp == LATEST:
        start = len(entries) - 1
    elif timestamp == EARLIEST:
        start = 0
    else:
        start = len(entries) - 1
        while start >= 0 and entries[start][1] > timestamp:
            start -= 1
    count = min(max_num_offsets, start + 1)
    return sorted((entries[start - j][0] for j in range(max(count, 0))), reverse=True)


def _modified_ms(segment) -> int:
    try:
        return int(segment.log_path.stat().st_mtime * 1000)
    except OSError:
        return 0


def _lookup(isolation_level: int, version: int, allowed: bool, partition, p) -> tuple[ErrorCode, tuple[int, int]]:
    """(error, (offset, timestamp)) for one partition of the request (``partition``: None when it does not exist)."""
    none = (-1, -1)
    if p.timestamp < 0 and version < MIN_VERSION.get(p.timestamp, 1 << 15):
        return ErrorCode.UNSUPPORTED_VERSION, none
    if not allowed:
        return ErrorCode.TOPIC_AUTHORIZATION_FAILED, none
    if partition is None:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, none
    fetchable = partition.last_stable_offset if isolation_level == READ_COMMITTED else partition.high_watermark
    if p.timestamp in (EARLIEST, EARLIEST_LOCAL):
        return ErrorCode.NONE, (partition.log_start_offset, -1)
    if p.timestamp == LATEST:
        return ErrorCode.NONE, (fetchable, -1)
    if p.timestamp == LATEST_TIERED:
        return ErrorCode.NONE, none
    found = partition.max_timestamp_offset() if p.timestamp == MAX_TIMESTAMP else partition.offset_for_timestamp(p.timestamp)
    if found is None or found[0] >= fetchable:
        return ErrorCode.NONE, none
    return ErrorCode.NONE, found


def error_response(request, ctx, code):
    """Every partition with ``code``, offset and timestamp -1 (Kafka's ListOffsetsRequest.getErrorResponse)."""
    topics = [
        _Topic(name=t.name, partitions=[_Partition(partition_index=p.partition_index, error_code=code, timestamp=-1, offset=-1, leader_epoch=-1, old_style_offsets=[])
                                     for p in t.partitions])
        for t in request.topics
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=topics)
