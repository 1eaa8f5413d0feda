"""JoinGroup (key 11): v0–v5 (v1 rebalance timeout, v4 member id required, v5 static membership).

Waits, as Kafka does, until every member has rejoined (or the rebalance
timeout passes); the coordinator decides, this module only translates.
"""

from kafka.protocol.consumer.group import JoinGroupRequest as Request
from kafka.protocol.consumer.group import JoinGroupResponse as Response

from kcli.broker.group.metadata import JoinRequest

ADVERTISED = (0, 5)

_Member = Response.JoinGroupResponseMember


async def handle(request, ctx):
    v = ctx.api_version
    join = JoinRequest(
        group_id=request.group_id,
        member_id=request.member_id,
        group_instance_id=request.group_instance_id if v >= 5 else None,
        client_id=ctx.client_id or "",
        client_host=ctx.client_host,
        session_timeout_ms=request.session_timeout_ms,
        rebalance_timeout_ms=request.rebalance_timeout_ms if v >= 1 else request.session_timeout_ms,
        protocol_type=request.protocol_type,
        protocols=tuple((p.name, bytes(p.metadata)) for p in request.protocols),
        require_known_member_id=v >= 4,
    )
    result = await ctx.state.groups.join(join, ctx.now_ms)
    return Response(
        version=v, throttle_time_ms=0, error_code=result.error_code, generation_id=result.generation_id,
        protocol_type=result.protocol_type, protocol_name=result.protocol_name or "", leader=result.leader,
        member_id=result.member_id,
        members=[_Member(member_id=m, group_instance_id=i, metadata=md) for m, i, md in result.members],
    )
