"""LeaveGroup (key 13): v0–v3; from v3 a batch of members, by member id or group instance id."""

from kafka.protocol.consumer.group import LeaveGroupRequest as Request
from kafka.protocol.consumer.group import LeaveGroupResponse as Response

from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 3)


def handle(request, ctx):
    groups = ctx.state.groups
    v = ctx.api_version
    if v >= 3:
        members = [(m.member_id, m.group_instance_id) for m in request.members]
    else:
        members = [(request.member_id, None)]
    codes = groups.coordinator.leave(request.group_id, members, ctx.now_ms)
    groups.settle(ctx.now_ms)
    if v < 3:
        return Response(version=v, throttle_time_ms=0, error_code=codes[0])
    results = [
        Response.MemberResponse(member_id=m, group_instance_id=i, error_code=c) for (m, i), c in zip(members, codes)
    ]
    return Response(version=v, throttle_time_ms=0, error_code=ErrorCode.NONE, members=results)
