"""CreateAcls (key 30): v0–v3.

v1 adds resource_pattern_type (LITERAL before); v2 is flexible. Needs ALTER on
the cluster. Without ``authorizer.class.name`` every creation fails
SECURITY_DISABLED, as Kafka's broker without an authorizer answers.
"""

from kafka.protocol.admin import CreateAclsRequest as Request
from kafka.protocol.admin import CreateAclsResponse as Response

from kcli.broker.acl.bindings import ALTER, CLUSTER, CLUSTER_NAME, LITERAL, AclBinding
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 3)
NO_AUTHORIZER = "No Authorizer is configured on the broker"


def handle(request, ctx):
    authorizer = ctx.state.authorizer
    if authorizer is None:
        return error_response(request, ctx, ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER)
    if not ctx.authorized(ALTER, CLUSTER, CLUSTER_NAME):
        return error_response(request, ctx, ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    results, accepted = [], []
    for c in request.creations:
        pattern = c.resource_pattern_type if ctx.api_version >= 1 else LITERAL
        binding = AclBinding(c.resource_type, c.resource_name, pattern, c.principal, c.host, c.operation, c.permission_type)
        problem = _invalid(binding)
        if problem:
            results.append(Response.AclCreationResult(error_code=ErrorCode.INVALID_REQUEST, error_message=problem))
        else:
            accepted.append(binding)
            results.append(Response.AclCreationResult(error_code=0, error_message=None))
    authorizer.store.add(accepted)
    return Response(version=ctx.api_version, throttle_time_ms=0, results=results)


def _invalid(b: AclBinding) -> str | None:
    if b.resource_type not in (2, 3, 4, 5, 6, 7) or b.pattern_type not in (3, 4) or b.operation < 2 or b.permission_type not in (2, 3):
        return "Invalid ACL creation: unknown or ANY resource type, pattern type, operation or permission"
    if not b.resource_name:
        return "Resource name must not be empty"
    if b.resource_type == CLUSTER and b.resource_name != CLUSTER_NAME:
        return "The only valid name for the CLUSTER resource is kafka-cluster"
    if ":" not in b.principal:
        return f"Could not parse principal from `{b.principal}` (no colon is present separating the principal type from the principal name)"
    return None


def error_response(request, ctx, code, message=None):
    return Response(version=ctx.api_version, throttle_time_ms=0, results=[
        Response.AclCreationResult(error_code=code, error_message=message) for _ in request.creations or ()
    ])
