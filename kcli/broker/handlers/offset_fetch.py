"""OffsetFetch (key 9): v0–v8 (v0 read the offsets ZooKeeper held in Kafka; here, the broker's store as v1); v2 all of a group's offsets (null topics), v8 several groups at once.

A partition with no committed offset answers -1 and no error, as Kafka does;
so does an unknown group.
"""

from kafka.protocol.consumer.group import OffsetFetchRequest as Request
from kafka.protocol.consumer.group import OffsetFetchResponse as Response

from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 8)

_Topic = Response.OffsetFetchResponseTopic
_Partition = _Topic.OffsetFetchResponsePartition
_Group = Response.OffsetFetchResponseGroup
_GroupTopic = _Group.OffsetFetchResponseTopics
_GroupPartition = _GroupTopic.OffsetFetchResponsePartitions


def _offsets(ctx, group_id: str, topics) -> dict[str, list[tuple[int, object]]]:
    """topic → [(partition, CommittedOffset or None)] for the asked partitions, or all the group has."""
    group = ctx.state.groups.coordinator.groups.get(group_id)
    committed = group.offsets if group is not None else {}
    out: dict[str, list] = {}
    if topics is None:
        for (topic, partition), offset in sorted(committed.items()):
            out.setdefault(topic, []).append((partition, offset))
        return out
    for t in topics:
        out[t.name] = [(p, committed.get((t.name, p))) for p in t.partition_indexes]
    return out


def handle(request, ctx):
    v = ctx.api_version
    if v >= 8:
        groups = []
        for g in request.groups:
            topics = [
                _GroupTopic(name=name, partitions=[_GroupPartition(**_fields(p, o)) for p, o in parts])
                for name, parts in _offsets(ctx, g.group_id, g.topics).items()
            ]
            groups.append(_Group(group_id=g.group_id, topics=topics, error_code=ErrorCode.NONE))
        return Response(version=v, throttle_time_ms=0, groups=groups)
    asked = request.topics if (v >= 2 or request.topics) else []
    topics = [
        _Topic(name=name, partitions=[_Partition(**_fields(p, o)) for p, o in parts])
        for name, parts in _offsets(ctx, request.group_id, asked).items()
    ]
    return Response(version=v, throttle_time_ms=0, topics=topics, error_code=ErrorCode.NONE)


def _fields(partition: int, offset) -> dict:
    if offset is None:
        return dict(partition_index=partition, committed_offset=-1, committed_leader_epoch=-1, metadata="", error_code=0)
    return dict(
        partition_index=partition, committed_offset=offset.offset, committed_leader_epoch=offset.leader_epoch,
        metadata=offset.metadata, error_code=0,
    )


def error_response(request, ctx, code):
    """Kafka's OffsetFetchRequest.getErrorResponse: every asked partition with ``code`` before v2; the
    group's code and no partitions from v2; each group's code from v8."""
    v = ctx.api_version
    if v >= 8:
        return Response(version=v, throttle_time_ms=0, groups=[_Group(group_id=g.group_id, topics=[], error_code=code) for g in request.groups])
    asked = (request.topics or ()) if v < 2 else ()
    topics = [
        _Topic(name=t.name, partitions=[_Partition(**{**_fields(p, None), "error_code": code}) for p in t.partition_indexes])
        for t in asked
    ]
    return Response(version=v, throttle_time_ms=0, topics=topics, error_code=code)
