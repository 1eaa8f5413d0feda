"""DeleteTopics (key 20): v0–v3 (v1 adds throttle_time_ms; v2–v3 are v1 again). Files are closed before they are removed."""

from kafka.protocol.admin import DeleteTopicsRequest as Request
from kafka.protocol.admin import DeleteTopicsResponse as Response

from kcli.broker.acl.bindings import DELETE, TOPIC
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 3)


def handle(request, ctx):
    results = []
    for name in request.topic_names:
        if not ctx.authorized(DELETE, TOPIC, name):
            code = ErrorCode.TOPIC_AUTHORIZATION_FAILED
        elif name in ctx.catalog.topics:
            ctx.catalog.delete(name)
            code = ErrorCode.NONE
        else:
            code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        results.append(Response.DeletableTopicResult(name=name, error_code=code))
    return Response(version=ctx.api_version, throttle_time_ms=0, responses=results)


def error_response(request, ctx, code):
    """Every topic with ``code`` (Kafka's DeleteTopicsRequest.getErrorResponse)."""
    results = [Response.DeletableTopicResult(name=name, error_code=code) for name in request.topic_names]
    return Response(version=ctx.api_version, throttle_time_ms=0, responses=results)
