"""The authorization a request needs before its handler runs, for APIs refused as a whole.

Kafka's KafkaApis checks these first and answers the whole request with the
API's error response: READ on the group for JoinGroup, SyncGroup, Heartbeat,
LeaveGroup and OffsetCommit; DESCRIBE on the group for OffsetFetch
(GROUP_AUTHORIZATION_FAILED); ALTER/DESCRIBE on the cluster for
AlterUserScramCredentials/DescribeUserScramCredentials
(CLUSTER_AUTHORIZATION_FAILED). Transactions: WRITE on the transactional id
for InitProducerId with one, AddPartitionsToTxn, AddOffsetsToTxn,
TxnOffsetCommit, EndTxn and a Produce whose batches are transactional
(TRANSACTIONAL_ID_AUTHORIZATION_FAILED); InitProducerId without one needs
IDEMPOTENT_WRITE on the cluster or WRITE on some topic
(CLUSTER_AUTHORIZATION_FAILED); AddOffsetsToTxn and TxnOffsetCommit then READ
on the group. WriteTxnMarkers (``kafka-transactions abort``) needs ALTER or
CLUSTER_ACTION on the cluster (CLUSTER_AUTHORIZATION_FAILED). Topic-level and per-key checks live in the handlers (Produce
WRITE, Fetch READ, Metadata and ListOffsets DESCRIBE, CreateTopics CREATE,
AddPartitionsToTxn WRITE, TxnOffsetCommit and DescribeProducers READ, FindCoordinator DESCRIBE on
each group or transactional id, Describe/ListTransactions DESCRIBE).
Only called when the broker has an authorizer.
"""

from __future__ import annotations

from kcli.broker.acl.bindings import (ALTER, CLUSTER, CLUSTER_ACTION, CLUSTER_NAME, DESCRIBE, GROUP, IDEMPOTENT_WRITE, READ,
                                      TOPIC, TRANSACTIONAL_ID, WRITE)
from kcli.protocol.kafka.errors import ErrorCode
from kcli.protocol.kafka.record_batch import unpack_header

_GROUP_READ = {11, 12, 13, 14, 8}  # JoinGroup, Heartbeat, LeaveGroup, SyncGroup, OffsetCommit
_GROUP_DESCRIBE = {9}  # OffsetFetch
_CLUSTER = {51: ALTER, 50: DESCRIBE, 35: DESCRIBE}  # AlterUserScramCredentials, DescribeUserScramCredentials, DescribeLogDirs
_PRODUCE, _INIT_PRODUCER_ID, _ADD_PARTITIONS, _ADD_OFFSETS, _END_TXN, _WRITE_TXN_MARKERS, _TXN_OFFSET_COMMIT = 0, 22, 24, 25, 26, 27, 28


def refused(api_key: int, request, ctx) -> ErrorCode | None:
    """The error the whole request is answered with, or None when it may go on."""
    if api_key in _GROUP_READ:
        return None if ctx.authorized(READ, GROUP, request.group_id) else ErrorCode.GROUP_AUTHORIZATION_FAILED
    if api_key in _GROUP_DESCRIBE:
        return None if all(ctx.authorized(DESCRIBE, GROUP, g) for g in _groups(request, ctx.api_version)) else ErrorCode.GROUP_AUTHORIZATION_FAILED
    operation = _CLUSTER.get(api_key)
    if operation is not None and not ctx.authorized(operation, CLUSTER, CLUSTER_NAME):
        return ErrorCode.CLUSTER_AUTHORIZATION_FAILED
    return _transactional(api_key, request, ctx)


def _transactional(api_key: int, request, ctx) -> ErrorCode | None:
    """KafkaApis' checks on the transaction APIs, in its order."""
    if api_key == _PRODUCE:
        if not _has_transactional_batch(request):
            return None
        transactional_id = getattr(request, "transactional_id", None)  # v3+
        allowed = transactional_id is not None and ctx.authorized(WRITE, TRANSACTIONAL_ID, transactional_id)
        return None if allowed else ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    if api_key == _INIT_PRODUCER_ID:
        if request.transactional_id is not None:
            return None if ctx.authorized(WRITE, TRANSACTIONAL_ID, request.transactional_id) else ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        if ctx.authorized(IDEMPOTENT_WRITE, CLUSTER, CLUSTER_NAME) or ctx.authorized_by_resource_type(WRITE, TOPIC):
            return None
        return ErrorCode.CLUSTER_AUTHORIZATION_FAILED
    if api_key == _WRITE_TXN_MARKERS:
        allowed = ctx.authorized(ALTER, CLUSTER, CLUSTER_NAME) or ctx.authorized(CLUSTER_ACTION, CLUSTER, CLUSTER_NAME)
        return None if allowed else ErrorCode.CLUSTER_AUTHORIZATION_FAILED
    if api_key == _ADD_PARTITIONS:  # v0-v3 name one transaction; its topics are checked in the handler
        return None if ctx.authorized(WRITE, TRANSACTIONAL_ID, request.v3_and_below_transactional_id) else ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    if api_key in (_ADD_OFFSETS, _TXN_OFFSET_COMMIT, _END_TXN):
        if not ctx.authorized(WRITE, TRANSACTIONAL_ID, request.transactional_id):
            return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        if api_key != _END_TXN and not ctx.authorized(READ, GROUP, request.group_id):
            return ErrorCode.GROUP_AUTHORIZATION_FAILED
    return None


def _has_transactional_batch(request) -> bool:
    """Is the first batch of any partition transactional? (Kafka's RequestUtils.hasTransactionalRecords)"""
    for t in request.topic_data:
        for p in t.partition_data:
            header = unpack_header(p.records) if p.records else None
            if header is not None and header.magic == 2 and header.is_transactional:
                return True
    return False


def _groups(request, version: int) -> list[str]:
    if version >= 8:
        return [g.group_id for g in request.groups]
    return [request.group_id]
