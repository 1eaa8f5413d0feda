"""SyncGroup (key 14): v0–v3 (v3 static membership).

Followers wait for the leader's assignments; every member gets one, never
zero bytes (an empty consumer assignment instead), which franz-go needs.
"""

from kafka.protocol.consumer.group import SyncGroupRequest as Request
from kafka.protocol.consumer.group import SyncGroupResponse as Response

ADVERTISED = (0, 3)


async def handle(request, ctx):
    v = ctx.api_version
    assignments = {a.member_id: bytes(a.assignment) for a in request.assignments}
    result = await ctx.state.groups.sync(
        request.group_id, request.generation_id, request.member_id,
        request.group_instance_id if v >= 3 else None, assignments, ctx.now_ms,
    )
    return Response(
        version=v, throttle_time_ms=0, error_code=result.error_code, protocol_type=result.protocol_type,
        protocol_name=result.protocol_name, assignment=result.assignment,
    )
