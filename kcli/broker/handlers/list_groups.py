"""ListGroups (key 16): v0–v4 (v4 filters by state and reports each group's state)."""

from kafka.protocol.admin import ListGroupsRequest as Request
from kafka.protocol.admin import ListGroupsResponse as Response

from kcli.broker.acl.bindings import DESCRIBE, GROUP
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 4)


def handle(request, ctx):
    wanted = {s.lower() for s in request.states_filter} if ctx.api_version >= 4 and request.states_filter else None
    groups = [
        Response.ListedGroup(group_id=g.group_id, protocol_type=g.protocol_type or "", group_state=g.state.value)
        for g in ctx.state.groups.coordinator.groups.values()
        if (wanted is None or g.state.value.lower() in wanted) and ctx.authorized(DESCRIBE, GROUP, g.group_id)  # Kafka lists only those
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=ErrorCode.NONE, groups=groups)
