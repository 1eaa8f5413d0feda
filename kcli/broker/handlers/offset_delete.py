"""OffsetDelete (key 47): v0. Committed offsets of a group go, except for topics its members consume."""

from kafka.protocol.consumer.group import OffsetDeleteRequest as Request
from kafka.protocol.consumer.group import OffsetDeleteResponse as Response

from kcli.broker.group.metadata import CONSUMER, GroupState
from kcli.broker.group.metadata_manager import commit_error
from kcli.broker.log.partition import AppendError
from kcli.protocol.kafka.consumer_offsets import subscribed_topics
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 0)

_Topic = Response.OffsetDeleteResponseTopic
_Partition = _Topic.OffsetDeleteResponsePartition


def handle(request, ctx):
    groups = ctx.state.groups
    group = groups.coordinator.groups.get(request.group_id)
    if group is None:
        return Response(version=0, error_code=ErrorCode.GROUP_ID_NOT_FOUND, throttle_time_ms=0, topics=[])
    subscribed: set[str] = set()
    if group.protocol_type == CONSUMER and group.state != GroupState.EMPTY:
        for m in group.members.values():
            subscribed |= subscribed_topics(m.metadata(group.protocol_name))
    asked = [(t.name, p.partition_index) for t in request.topics for p in t.partitions]
    codes = dict(zip(asked, groups.coordinator.delete_offsets(request.group_id, asked, subscribed)))
    deleted = [key for key, code in codes.items() if code == ErrorCode.NONE]
    if deleted:
        try:
            groups.forget_offsets(request.group_id, deleted, ctx.now_ms)
        except AppendError as exc:
            return Response(version=0, error_code=commit_error(exc.code), throttle_time_ms=0, topics=[])
    topics = [
        _Topic(name=t.name, partitions=[_Partition(partition_index=p.partition_index, error_code=codes[(t.name, p.partition_index)]) for p in t.partitions])
        for t in request.topics
    ]
    return Response(version=0, error_code=ErrorCode.NONE, throttle_time_ms=0, topics=topics)
