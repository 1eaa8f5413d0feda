"""TxnOffsetCommit (key 28): v0–v4. v2 adds the leader epoch; v3 (flexible) the group's generation, member id and
instance id (KIP-447, ``sendOffsetsToTransaction(offsets, groupMetadata)``); v4 adds an error code.

The offsets are written to ``__consumer_offsets`` at once, in a transactional
batch of the producer, and become the group's committed offsets only when the
COMMIT marker reaches that partition; an ABORT drops them (Kafka's
GroupMetadataManager pending transactional offsets). From v3 a member id and
generation are checked as an OffsetCommit's are. As in KafkaApis, a topic the
principal may not READ is TOPIC_AUTHORIZATION_FAILED and a partition that does
not exist UNKNOWN_TOPIC_OR_PARTITION, whatever the coordinator would answer;
WRITE on the transactional id and READ on the group are checked before
(kcli/broker/acl/checks.py).
"""

from kafka.protocol.producer.transaction import TxnOffsetCommitRequest as Request
from kafka.protocol.producer.transaction import TxnOffsetCommitResponse as Response

from kcli.broker.acl.bindings import READ, TOPIC
from kcli.broker.group.metadata import CommittedOffset
from kcli.broker.group.metadata_manager import commit_error
from kcli.broker.log.partition import AppendError
from kcli.broker.txn.versions import fenced_code
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 4)

_Topic = Response.TxnOffsetCommitResponseTopic
_Partition = _Topic.TxnOffsetCommitResponsePartition


def handle(request, ctx):
    v = ctx.api_version
    groups, txns = ctx.state.groups, ctx.state.txns
    code = _check(request, ctx)
    accepted: dict[tuple[str, int], CommittedOffset] = {}
    codes: dict[tuple[str, int], ErrorCode] = {}
    for t in request.topics:
        readable = ctx.authorized(READ, TOPIC, t.name)
        for p in t.partitions:
            key = (t.name, p.partition_index)
            metadata = p.committed_metadata or ""
            if not readable:
                codes[key] = ErrorCode.TOPIC_AUTHORIZATION_FAILED
            elif ctx.catalog.partition(*key) is None:
                codes[key] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            elif code != ErrorCode.NONE:
                codes[key] = code
            elif len(metadata.encode()) > groups.config.offset_metadata_max_bytes:
                codes[key] = ErrorCode.OFFSET_METADATA_TOO_LARGE
            else:
                accepted[key] = CommittedOffset(p.committed_offset, p.committed_leader_epoch if v >= 2 else -1, metadata, ctx.now_ms)
                codes[key] = ErrorCode.NONE
    if accepted:
        manager = groups.manager
        try:
            manager.append(request.group_id, manager.commit_records(request.group_id, accepted), ctx.now_ms,
                           producer=(request.producer_id, request.producer_epoch))
            pending = manager.pending_transactional.setdefault(request.producer_id, {})
            for (topic, partition), offset in accepted.items():
                pending[(request.group_id, topic, partition)] = offset
        except AppendError as exc:
            codes.update(dict.fromkeys(accepted, commit_error(exc.code)))
        txns._on_append()
    return _response(request, ctx, codes)


def _check(request, ctx) -> ErrorCode:
    """The producer must have added this group's offsets partition to its open transaction; from v3, the member checks."""
    txns = ctx.state.txns
    topic, index = txns.offsets_partition(request.group_id)
    txn = txns.coordinator.transactions.get(request.transactional_id)
    if txn is None or txn.producer_id != request.producer_id:
        return ErrorCode.INVALID_PRODUCER_ID_MAPPING
    if txn.producer_epoch != request.producer_epoch:
        return fenced_code(ErrorCode.PRODUCER_FENCED, ctx.api_version, 3)
    if not txns.coordinator.ongoing(request.producer_id, request.producer_epoch, topic, index):
        return ErrorCode.INVALID_TXN_STATE
    if ctx.api_version >= 3 and request.member_id:
        group = ctx.state.groups.coordinator.groups.get(request.group_id)
        if group is None or request.member_id not in group.members:
            return ErrorCode.UNKNOWN_MEMBER_ID
        if request.generation_id != group.generation_id:
            return ErrorCode.ILLEGAL_GENERATION
    return ErrorCode.NONE


def _response(request, ctx, codes):
    topics = [
        _Topic(name=t.name, partitions=[_Partition(partition_index=p.partition_index, error_code=codes[(t.name, p.partition_index)])
                                        for p in t.partitions])
        for t in request.topics
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=topics)


def error_response(request, ctx, code):
    return _response(request, ctx, {(t.name, p.partition_index): code for t in request.topics for p in t.partitions})
