"""CreateTopics (key 19): v2–v3 (v2 is Kafka 4's floor; v3 is v2 again).

Checks as Kafka's controller does: a legal name, partitions and replication
factor positive or -1 for the broker default, a replication factor the single
broker can satisfy, known topic configs with valid values. ``validate_only``
runs the checks and creates nothing.
"""

from kafka.protocol.admin import CreateTopicsRequest as Request
from kafka.protocol.admin import CreateTopicsResponse as Response

from kcli.broker import topic_config
from kcli.broker.log.catalog import topic_name_problem
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (2, 3)
BROKERS = 1


def handle(request, ctx):
    results = []
    for t in request.topics:
        code, message = _check(ctx, t)
        if code is ErrorCode.NONE and not request.validate_only:
            partitions = ctx.config.num_partitions if t.num_partitions == -1 else t.num_partitions
            ctx.catalog.create(t.name, partitions, {c.name: c.value for c in t.configs if c.value is not None})
        results.append(Response.CreatableTopicResult(name=t.name, error_code=code, error_message=message))
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=results)


def _check(ctx, t) -> tuple[ErrorCode, str | None]:
    problem = topic_name_problem(t.name)
    if problem:
        return ErrorCode.INVALID_TOPIC_EXCEPTION, problem
    if t.name in ctx.catalog.topics:
        return ErrorCode.TOPIC_ALREADY_EXISTS, f"Topic '{t.name}' already exists."
    if t.assignments:
        return ErrorCode.INVALID_REQUEST, "Manual replica assignment is not supported by kcli's single broker."
    if t.num_partitions == 0 or t.num_partitions < -1:
        return ErrorCode.INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive value."
    if t.replication_factor == 0 or t.replication_factor < -1:
        return ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0, or -1 to use the default value."
    rf = ctx.config.default_replication_factor if t.replication_factor == -1 else t.replication_factor
    if rf > BROKERS:
        return ErrorCode.INVALID_REPLICATION_FACTOR, (
            f"Unable to replicate the partition {rf} time(s): The target replication factor of {rf} "
            f"cannot be reached because only {BROKERS} broker(s) are registered."
        )
    for c in t.configs:
        problem = topic_config.validate(c.name, c.value)
        if problem:
            return ErrorCode.INVALID_CONFIG, problem
    return ErrorCode.NONE, None


def auto_create(ctx, name: str):
    """Create a topic on first use (Metadata with auto-creation allowed)."""
    return ctx.catalog.create(name, ctx.config.num_partitions, {})


def error_response(request, ctx, code):
    """Every topic with ``code`` (Kafka's CreateTopicsRequest.getErrorResponse)."""
    results = [Response.CreatableTopicResult(name=t.name, error_code=code, error_message=None) for t in request.topics]
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=results)
