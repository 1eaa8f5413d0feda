"""DescribeAcls (key 29): v0–v3.

v1 adds pattern_type_filter (LITERAL before); v2 is flexible. Needs DESCRIBE on
the cluster; SECURITY_DISABLED without an authorizer. Bindings are grouped by
resource pattern.
"""

from kafka.protocol.admin import DescribeAclsRequest as Request
from kafka.protocol.admin import DescribeAclsResponse as Response

from kcli.broker.acl.bindings import CLUSTER, CLUSTER_NAME, DESCRIBE, LITERAL, AclFilter
from kcli.broker.handlers.create_acls import NO_AUTHORIZER
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 3)
_Resource = Response.DescribeAclsResource


def handle(request, ctx):
    authorizer = ctx.state.authorizer
    if authorizer is None:
        return error_response(request, ctx, ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER)
    if not ctx.authorized(DESCRIBE, CLUSTER, CLUSTER_NAME):
        return error_response(request, ctx, ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    acl_filter = AclFilter(request.resource_type_filter, request.resource_name_filter,
                           request.pattern_type_filter if ctx.api_version >= 1 else LITERAL,
                           request.principal_filter, request.host_filter, request.operation, request.permission_type)
    grouped: dict = {}
    for b in authorizer.store.bindings:
        if acl_filter.matches(b):
            grouped.setdefault((b.resource_type, b.resource_name, b.pattern_type), []).append(b)
    resources = [
        _Resource(resource_type=rt, resource_name=name, pattern_type=pt, acls=[
            _Resource.AclDescription(principal=b.principal, host=b.host, operation=b.operation, permission_type=b.permission_type)
            for b in bindings
        ])
        for (rt, name, pt), bindings in grouped.items()
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=0, error_message=None, resources=resources)


def error_response(request, ctx, code, message=None):
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=code, error_message=message, resources=[])
