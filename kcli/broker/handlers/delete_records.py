"""DeleteRecords (key 21): serves v0–v2 (v1 is v0 again; v2 is flexible), as Kafka 3.9 does.

Moves each partition's log start offset up to the requested offset (-1: the
high watermark) and answers the new low watermark; the segments wholly below
it are deleted by the next retention check, as in Kafka. Kafka's refusals, in
its order: an unknown partition, UNKNOWN_TOPIC_OR_PARTITION; an internal topic,
INVALID_TOPIC_EXCEPTION; a ``cleanup.policy`` without ``delete``,
POLICY_VIOLATION; an offset below -1 or past the high watermark,
OFFSET_OUT_OF_RANGE (low watermark -1 for each). With one replica the answer
needs no waiting. Unlike Kafka, which checkpoints log start offsets only every
``log.flush.start.offset.checkpoint.interval.ms`` (it counts on other replicas),
kcli writes ``log-start-offset-checkpoint`` before answering, so a deletion it
acknowledged survives a ``kill -9``.
"""

import logging

from kafka.protocol.admin import DeleteRecordsRequest as Request
from kafka.protocol.admin import DeleteRecordsResponse as Response

from kcli.broker.log.partition import AppendError
from kcli.broker.acl.bindings import DELETE, TOPIC
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 2)
HIGH_WATERMARK = -1  # DeleteRecordsRequest.HIGH_WATERMARK
INVALID_LOW_WATERMARK = -1

_Topic = Response.DeleteRecordsTopicResult
_Partition = _Topic.DeleteRecordsPartitionResult

log = logging.getLogger("kcli.broker")


def handle(request, ctx):
    topics = []
    moved = False
    for t in request.topics:
        topic = ctx.catalog.topics.get(t.name)
        results = []
        for p in t.partitions:
            partition = ctx.catalog.partition(t.name, p.partition_index)
            low, code = INVALID_LOW_WATERMARK, ErrorCode.NONE
            if not ctx.authorized(DELETE, TOPIC, t.name):
                code = ErrorCode.TOPIC_AUTHORIZATION_FAILED
            elif partition is None:
                code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            elif topic.internal:
                code = ErrorCode.INVALID_TOPIC_EXCEPTION  # "Cannot delete records of internal topic"
            elif not partition.config.delete:
                code = ErrorCode.POLICY_VIOLATION  # "... can not be deleted due to the configured policy"
            else:
                offset = partition.high_watermark if p.offset == HIGH_WATERMARK else p.offset
                try:
                    if offset < 0:
                        raise AppendError(ErrorCode.OFFSET_OUT_OF_RANGE)
                    moved = partition.maybe_increment_log_start_offset(offset, "client record deletion") or moved
                    low = partition.log_start_offset
                except AppendError as exc:
                    code = exc.code
            results.append(_Partition(partition_index=p.partition_index, low_watermark=low, error_code=code))
        topics.append(_Topic(name=t.name, partitions=results))
    if moved:
        try:
            ctx.catalog.checkpoint_log_start_offsets()
        except OSError as exc:  # the new start offset holds until restart; Kafka would not have written it yet either
            log.error("Disk error while writing log start offsets checkpoint in directory %s: %s",
                      ctx.catalog.log_dir, exc.strerror or exc)
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=topics)


def error_response(request, ctx, code):
    """Every partition with ``code`` and low watermark -1 (Kafka's DeleteRecordsRequest.getErrorResponse)."""
    topics = [
        _Topic(name=t.name, partitions=[
            _Partition(partition_index=p.partition_index, low_watermark=INVALID_LOW_WATERMARK, error_code=code) for p in t.partitions
        ])
        for t in request.topics
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=topics)
