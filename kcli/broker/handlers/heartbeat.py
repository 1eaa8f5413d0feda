"""Heartbeat (key 12): v0–v3 (v3 static membership)."""

from kafka.protocol.consumer.group import HeartbeatRequest as Request
from kafka.protocol.consumer.group import HeartbeatResponse as Response

ADVERTISED = (0, 3)


def handle(request, ctx):
    groups = ctx.state.groups
    code = groups.coordinator.heartbeat(
        request.group_id, request.generation_id, request.member_id,
        request.group_instance_id if ctx.api_version >= 3 else None, ctx.now_ms,
    )
    groups.settle(ctx.now_ms)
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=code)
