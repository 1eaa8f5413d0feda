"""OffsetCommit (key 8): v0–v7 (v1 generation, member id and a per-partition commit timestamp, v2 retention
time in place of it, v6 leader epoch, v7 static membership).

v0 carries no generation: it commits as a client outside any group generation does (generation -1, no
member). A v1 commit timestamp other than -1 is kept as the offset's commit time, as Kafka keeps it.

A commit is appended to ``__consumer_offsets`` before it is answered, so a
committed offset survives ``kill -9`` (and, when the flush policy asks, is
fsynced first). Offsets for partitions that do not exist are refused with
UNKNOWN_TOPIC_OR_PARTITION, as Kafka refuses them; a failed append (a full
disk) answers with the error Kafka maps it to, NOT_COORDINATOR.
"""

from kafka.protocol.consumer.group import OffsetCommitRequest as Request
from kafka.protocol.consumer.group import OffsetCommitResponse as Response

from kcli.broker.group.metadata import CommittedOffset
from kcli.broker.group.metadata_manager import commit_error
from kcli.broker.log.partition import AppendError
from kcli.broker.acl.bindings import READ, TOPIC
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 7)

_Topic = Response.OffsetCommitResponseTopic
_Partition = _Topic.OffsetCommitResponsePartition


async def handle(request, ctx):
    v = ctx.api_version
    groups = ctx.state.groups
    group_code = groups.coordinator.check_commit(
        request.group_id, request.generation_id_or_member_epoch, request.member_id,
        request.group_instance_id if v >= 7 else None, ctx.now_ms,
    )
    accepted: dict[tuple[str, int], CommittedOffset] = {}
    codes: dict[tuple[str, int], ErrorCode] = {}
    for t in request.topics:
        for p in t.partitions:
            key = (t.name, p.partition_index)
            metadata = p.committed_metadata or ""
            if group_code != ErrorCode.NONE:
                codes[key] = group_code
            elif not ctx.authorized(READ, TOPIC, t.name):
                codes[key] = ErrorCode.TOPIC_AUTHORIZATION_FAILED
            elif ctx.catalog.partition(t.name, p.partition_index) is None:
                codes[key] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            elif len(metadata.encode("utf-8")) > groups.config.offset_metadata_max_bytes:
                codes[key] = ErrorCode.OFFSET_METADATA_TOO_LARGE
            else:
                epoch = p.committed_leader_epoch if v >= 6 else -1
                stamp = p.commit_timestamp if v == 1 and p.commit_timestamp != -1 else ctx.now_ms
                accepted[key] = CommittedOffset(p.committed_offset, epoch, metadata, stamp)
                codes[key] = ErrorCode.NONE
    if accepted:
        failure = ErrorCode.NONE
        try:
            flushed = groups.commit(request.group_id, accepted, ctx.now_ms)
            if flushed is not None and await flushed:
                failure = commit_error(ErrorCode.KAFKA_STORAGE_ERROR)
        except AppendError as exc:
            failure = commit_error(exc.code)
        if failure != ErrorCode.NONE:
            codes.update(dict.fromkeys(accepted, failure))
    topics = [
        _Topic(name=t.name, partitions=[
            _Partition(partition_index=p.partition_index, error_code=codes[(t.name, p.partition_index)]) for p in t.partitions
        ])
        for t in request.topics
    ]
    groups.settle(ctx.now_ms)
    return Response(version=v, throttle_time_ms=0, topics=topics)


def error_response(request, ctx, code):
    """Every partition with ``code`` (Kafka's OffsetCommitRequest.getErrorResponse)."""
    topics = [
        _Topic(name=t.name, partitions=[_Partition(partition_index=p.partition_index, error_code=code) for p in t.partitions])
        for t in request.topics
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=topics)
