"""FindCoordinator (key 10): v0–v4; v4 answers a batch of keys.

This broker coordinates every group and every transactional id (key type 1).
Creating ``__consumer_offsets`` or ``__transaction_state`` on the first lookup
is what Kafka does too. Each key needs DESCRIBE on its group
(GROUP_AUTHORIZATION_FAILED) or transactional id
(TRANSACTIONAL_ID_AUTHORIZATION_FAILED), checked per key from v4, as
KafkaApis.getCoordinator does.
"""

from kafka.protocol.metadata import FindCoordinatorRequest as Request
from kafka.protocol.metadata import FindCoordinatorResponse as Response

from kcli.broker.acl.bindings import DESCRIBE
from kcli.broker.acl.bindings import GROUP as GROUP_RESOURCE
from kcli.broker.acl.bindings import TRANSACTIONAL_ID
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 4)
GROUP, TRANSACTION = 0, 1
_MESSAGES = {  # before v4 an error carries its Errors message (FindCoordinatorResponse.prepareOldResponse)
    ErrorCode.GROUP_AUTHORIZATION_FAILED: "Group authorization failed.",
    ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED: "Transactional Id authorization failed.",
}


def _lookup(ctx, key: str, key_type: int) -> tuple[ErrorCode, str | None]:
    if key_type == GROUP and not ctx.authorized(DESCRIBE, GROUP_RESOURCE, key):
        return ErrorCode.GROUP_AUTHORIZATION_FAILED, None
    if key_type == TRANSACTION and not ctx.authorized(DESCRIBE, TRANSACTIONAL_ID, key):
        return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, None
    if key_type == TRANSACTION:
        if not key:
            return ErrorCode.INVALID_REQUEST, None
        ctx.state.txns.manager.ensure_topic()
        return ErrorCode.NONE, None
    if key_type != GROUP:
        return ErrorCode.INVALID_REQUEST, f"Unknown coordinator type {key_type}"
    if not key:
        return ErrorCode.INVALID_GROUP_ID, None
    ctx.state.groups.manager.ensure_topic()
    return ErrorCode.NONE, None


def handle(request, ctx):
    node, (host, port) = ctx.config.node_id, ctx.advertised_address()
    if ctx.api_version >= 4:
        coordinators = []
        for key in request.coordinator_keys:
            code, message = _lookup(ctx, key, request.key_type)
            ok = code == ErrorCode.NONE
            coordinators.append(Response.Coordinator(
                key=key, node_id=node if ok else -1, host=host if ok else "", port=port if ok else -1,
                error_code=code, error_message=message,
            ))
        return Response(version=ctx.api_version, throttle_time_ms=0, coordinators=coordinators)
    code, message = _lookup(ctx, request.key, request.key_type if ctx.api_version >= 1 else GROUP)
    ok = code == ErrorCode.NONE
    return Response(
        version=ctx.api_version, throttle_time_ms=0, error_code=code, error_message=message or _MESSAGES.get(code),
        node_id=node if ok else -1, host=host if ok else "", port=port if ok else -1,
    )


def error_response(request, ctx, code):
    """No coordinator, with ``code``: once before v4, for every key from v4 (Kafka's FindCoordinatorRequest.getErrorResponse)."""
    if ctx.api_version >= 4:
        coordinators = [Response.Coordinator(key=k, node_id=-1, host="", port=-1, error_code=code, error_message=None) for k in request.coordinator_keys]
        return Response(version=ctx.api_version, throttle_time_ms=0, coordinators=coordinators)
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=code, error_message=None, node_id=-1, host="", port=-1)
