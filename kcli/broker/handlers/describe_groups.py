"""DescribeGroups (key 15): v0–v4 (v3 authorized operations, v4 group instance ids).

An unknown group is described as Dead with no error, as Kafka describes it.
Member metadata and assignments are shown once the group is Stable.
"""

from kafka.protocol.admin import DescribeGroupsRequest as Request
from kafka.protocol.admin import DescribeGroupsResponse as Response

from kcli.broker.group.metadata import GroupState
from kcli.broker.acl.bindings import DESCRIBE, GROUP
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 4)
ALL_OPERATIONS = frozenset({3, 6, 8})  # bits READ, DELETE, DESCRIBE: what a group allows when no ACL says otherwise
NOT_REQUESTED = None  # kafka-python's bit-field for Kafka's -2^31

_Group = Response.DescribedGroup
_Member = _Group.DescribedGroupMember


def handle(request, ctx):
    coordinator = ctx.state.groups.coordinator
    ops = ALL_OPERATIONS if ctx.api_version >= 3 and request.include_authorized_operations else NOT_REQUESTED
    described = []
    for group_id in request.groups:
        if not ctx.authorized(DESCRIBE, GROUP, group_id):
            described.append(_Group(error_code=ErrorCode.GROUP_AUTHORIZATION_FAILED, group_id=group_id, group_state="", protocol_type="",
                                    protocol_data="", members=[], authorized_operations=NOT_REQUESTED))
            continue
        group = coordinator.groups.get(group_id)
        if group is None:
            code = ErrorCode.INVALID_GROUP_ID if not group_id else ErrorCode.NONE
            described.append(_Group(
                error_code=code, group_id=group_id, group_state=GroupState.DEAD.value, protocol_type="",
                protocol_data="", members=[], authorized_operations=ops,
            ))
            continue
        stable = group.state == GroupState.STABLE
        members = [
            _Member(
                member_id=m.member_id, group_instance_id=m.group_instance_id, client_id=m.client_id,
                client_host=m.client_host, member_metadata=m.metadata(group.protocol_name) if stable else b"",
                member_assignment=m.assignment if stable else b"",
            )
            for m in group.members.values()
        ]
        described.append(_Group(
            error_code=ErrorCode.NONE, group_id=group_id, group_state=group.state.value,
            protocol_type=group.protocol_type or "", protocol_data=(group.protocol_name or "") if stable or group.state == GroupState.COMPLETING_REBALANCE else "",
            members=members, authorized_operations=ops,
        ))
    return Response(version=ctx.api_version, throttle_time_ms=0, groups=described)


def error_response(request, ctx, code):
    """Every group with ``code`` and nothing else (Kafka's DescribeGroupsRequest.getErrorResponse)."""
    groups = [
        _Group(error_code=code, group_id=g, group_state="", protocol_type="", protocol_data="", members=[], authorized_operations=NOT_REQUESTED)
        for g in request.groups
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, groups=groups)
