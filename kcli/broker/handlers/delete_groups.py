"""DeleteGroups (key 42): v0–v1. Only an empty group can go; its offsets go with it."""

from kafka.protocol.admin import DeleteGroupsRequest as Request
from kafka.protocol.admin import DeleteGroupsResponse as Response

from kcli.broker.acl.bindings import DELETE, GROUP
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 1)


def handle(request, ctx):
    groups = ctx.state.groups
    results = []
    for group_id in request.groups_names:
        if not ctx.authorized(DELETE, GROUP, group_id):
            results.append(Response.DeletableGroupResult(group_id=group_id, error_code=ErrorCode.GROUP_AUTHORIZATION_FAILED))
            continue
        code, _ = groups.coordinator.delete(group_id)
        results.append(Response.DeletableGroupResult(group_id=group_id, error_code=code))
    groups.settle(ctx.now_ms)
    return Response(version=ctx.api_version, throttle_time_ms=0, results=results)


def error_response(request, ctx, code):
    """Every group with ``code`` (Kafka's DeleteGroupsRequest.getErrorResponse)."""
    results = [Response.DeletableGroupResult(group_id=g, error_code=code) for g in request.groups_names]
    return Response(version=ctx.api_version, throttle_time_ms=0, results=results)
