"""CreatePartitions (key 37): v0–v1 (identical bodies). Partitions only grow, as in Kafka."""

from kafka.protocol.admin import CreatePartitionsRequest as Request
from kafka.protocol.admin import CreatePartitionsResponse as Response

from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 1)


def handle(request, ctx):
    results = []
    for t in request.topics:
        code, message = _check(ctx, t)
        if code is ErrorCode.NONE and not request.validate_only:
            ctx.catalog.add_partitions(t.name, t.count)
        results.append(Response.CreatePartitionsTopicResult(name=t.name, error_code=code, error_message=message))
    return Response(version=ctx.api_version, throttle_time_ms=0, results=results)


def _check(ctx, t) -> tuple[ErrorCode, str | None]:
    topic = ctx.catalog.topics.get(t.name)
    if topic is None:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"The topic '{t.name}' does not exist."
    current = len(topic.partitions)
    if t.count == current:
        return ErrorCode.INVALID_PARTITIONS, f"Topic already has {current} partition(s)."
    if t.count < current:
        return ErrorCode.INVALID_PARTITIONS, f"The topic {t.name} currently has {current} partition(s); {t.count} would not be an increase."
    if t.assignments:
        return ErrorCode.INVALID_REQUEST, "Manual replica assignment is not supported by kcli's single broker."
    return ErrorCode.NONE, None


def error_response(request, ctx, code):
    """Every topic with ``code`` (Kafka's CreatePartitionsRequest.getErrorResponse)."""
    results = [Response.CreatePartitionsTopicResult(name=t.name, error_code=code, error_message=None) for t in request.topics]
    return Response(version=ctx.api_version, throttle_time_ms=0, results=results)
