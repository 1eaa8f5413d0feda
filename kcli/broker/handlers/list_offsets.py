"""ListOffsets (key 2): serves v1–v4; v1 is advertised for librdkafka's offset-by-time check.

timestamp -2 is the log start offset (earliest), -1 the log end offset
(latest); any other value finds the first record whose timestamp is at or
after it, or -1 when there is none; a stored batch on the way that does not
decode answers CORRUPT_MESSAGE for that partition (Kafka answers its
decompression failure with UNKNOWN_SERVER_ERROR, a record that does not parse
with INVALID_RECORD). v2 adds isolation_level; v4 current_leader_epoch /
leader_epoch (-1 here).
"""

from kafka.protocol.consumer import ListOffsetsRequest as Request
from kafka.protocol.consumer import ListOffsetsResponse as Response

from kcli.broker.log.partition import AppendError
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (1, 4)
EARLIEST, LATEST = -2, -1

_Topic = Response.ListOffsetsTopicResponse
_Partition = _Topic.ListOffsetsPartitionResponse


def handle(request, ctx):
    topics = []
    for t in request.topics:
        results = []
        for p in t.partitions:
            partition = ctx.catalog.partition(t.name, p.partition_index)
            code, timestamp, offset = ErrorCode.NONE, -1, -1
            if partition is None:
                code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            elif p.timestamp == EARLIEST:
                offset = partition.log_start_offset
            elif p.timestamp == LATEST:
                offset = partition.last_stable_offset if request.isolation_level == 1 else partition.high_watermark
            else:
                try:
                    found = partition.offset_for_timestamp(p.timestamp)
                except AppendError as exc:  # a stored batch that does not decode: this partition's error only
                    code, found = exc.code, None
                if found is not None:
                    offset, timestamp = found
            results.append(_Partition(partition_index=p.partition_index, error_code=code, timestamp=timestamp, offset=offset, leader_epoch=-1))
        topics.append(_Topic(name=t.name, partitions=results))
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=topics)


def error_response(request, ctx, code):
    """Every partition with ``code``, offset and timestamp -1 (Kafka's ListOffsetsRequest.getErrorResponse)."""
    topics = [
        _Topic(name=t.name, partitions=[_Partition(partition_index=p.partition_index, error_code=code, timestamp=-1, offset=-1, leader_epoch=-1) for p in t.partitions])
        for t in request.topics
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=topics)
