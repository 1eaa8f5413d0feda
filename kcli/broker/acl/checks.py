"""The authorization a request needs before its handler runs, for APIs that name one group or the cluster.

Kafka's KafkaApis checks these first and answers the whole request with the
API's error response: READ on the group for JoinGroup, SyncGroup, Heartbeat,
LeaveGroup and OffsetCommit; DESCRIBE on the group for FindCoordinator and
OffsetFetch (GROUP_AUTHORIZATION_FAILED); ALTER/DESCRIBE on the cluster for
AlterUserScramCredentials/DescribeUserScramCredentials
(CLUSTER_AUTHORIZATION_FAILED). Topic-level checks live in the handlers
(Produce WRITE, Fetch READ, Metadata and ListOffsets DESCRIBE, CreateTopics CREATE).
Only called when the broker has an authorizer.
"""

from __future__ import annotations

from kcli.broker.acl.bindings import ALTER, CLUSTER, CLUSTER_NAME, DESCRIBE, GROUP, READ
from kcli.protocol.kafka.errors import ErrorCode

_GROUP_READ = {11, 12, 13, 14, 8}  # JoinGroup, Heartbeat, LeaveGroup, SyncGroup, OffsetCommit
_GROUP_DESCRIBE = {10, 9}  # FindCoordinator, OffsetFetch
_CLUSTER = {51: ALTER, 50: DESCRIBE, 35: DESCRIBE}  # AlterUserScramCredentials, DescribeUserScramCredentials, DescribeLogDirs


def refused(api_key: int, request, ctx) -> ErrorCode | None:
    """The error the whole request is answered with, or None when it may go on."""
    if api_key in _GROUP_READ:
        return None if ctx.authorized(READ, GROUP, request.group_id) else ErrorCode.GROUP_AUTHORIZATION_FAILED
    if api_key in _GROUP_DESCRIBE:
        return None if all(ctx.authorized(DESCRIBE, GROUP, g) for g in _groups(api_key, request, ctx.api_version)) else ErrorCode.GROUP_AUTHORIZATION_FAILED
    operation = _CLUSTER.get(api_key)
    if operation is not None and not ctx.authorized(operation, CLUSTER, CLUSTER_NAME):
        return ErrorCode.CLUSTER_AUTHORIZATION_FAILED
    return None


def _groups(api_key: int, request, version: int) -> list[str]:
    if api_key == 10:  # FindCoordinator: key_type 0 is a group; transactional ids are not checked here
        if version >= 4:
            return list(request.coordinator_keys) if request.key_type == 0 else []
        return [request.key] if version == 0 or request.key_type == 0 else []
    if version >= 8:
        return [g.group_id for g in request.groups]
    return [request.group_id]
