"""DeleteAcls (key 31): v0–v3.

v1 adds pattern_type_filter; v2 is flexible. Needs ALTER on the cluster;
SECURITY_DISABLED without an authorizer. Each filter answers with the bindings it removed.
"""

from kafka.protocol.admin import DeleteAclsRequest as Request
from kafka.protocol.admin import DeleteAclsResponse as Response

from kcli.broker.acl.bindings import ALTER, CLUSTER, CLUSTER_NAME, LITERAL, AclFilter
from kcli.broker.handlers.create_acls import NO_AUTHORIZER
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 3)
_Result = Response.DeleteAclsFilterResult


def handle(request, ctx):
    authorizer = ctx.state.authorizer
    if authorizer is None:
        return error_response(request, ctx, ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER)
    if not ctx.authorized(ALTER, CLUSTER, CLUSTER_NAME):
        return error_response(request, ctx, ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    results = []
    for f in request.filters:
        acl_filter = AclFilter(f.resource_type_filter, f.resource_name_filter, f.pattern_type_filter if ctx.api_version >= 1 else LITERAL,
                               f.principal_filter, f.host_filter, f.operation, f.permission_type)
        removed = authorizer.store.remove(acl_filter)
        results.append(_Result(error_code=0, error_message=None, matching_acls=[
            _Result.DeleteAclsMatchingAcl(error_code=0, error_message=None, resource_type=b.resource_type, resource_name=b.resource_name,
                                          pattern_type=b.pattern_type, principal=b.principal, host=b.host, operation=b.operation,
                                          permission_type=b.permission_type)
            for b in removed
        ]))
    return Response(version=ctx.api_version, throttle_time_ms=0, filter_results=results)


def error_response(request, ctx, code, message=None):
    return Response(version=ctx.api_version, throttle_time_ms=0, filter_results=[
        _Result(error_code=code, error_message=message, matching_acls=[]) for _ in request.filters or ()
    ])
