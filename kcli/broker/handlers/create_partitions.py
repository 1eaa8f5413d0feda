"""CreatePartitions (key 37): v0–v1 (identical bodies). Partitions only grow, as in Kafka.

kcli's partition bounds apply as in CreateTopics (partition_bounds.py); the new
partitions are recorded as CreateTopics records a topic's (catalog.py), their
directories made after the answer.
"""

import logging

from kafka.protocol.admin import CreatePartitionsRequest as Request
from kafka.protocol.admin import CreatePartitionsResponse as Response

from kcli.broker import partition_bounds
from kcli.broker.handlers.create_topics import broker_problem, check_each, open_partition_files
from kcli.broker.acl.bindings import ALTER, TOPIC
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 1)

log = logging.getLogger("kcli.broker")


async def handle(request, ctx):
    catalog = ctx.catalog
    async with catalog.creation:
        checked = check_each(ctx, request.topics, _check)
        adding = sum(t.count - len(catalog.topics[t.name].partitions) for t, code, _ in checked if code is ErrorCode.NONE)
        too_many = partition_bounds.request_problem(adding, ctx.config.max_partitions_per_request)
        held, files = catalog.partition_count(), open_partition_files(catalog)
        results = []
        for t, code, message in checked:
            if code is ErrorCode.NONE:
                more = t.count - len(catalog.topics[t.name].partitions)
                code, message = too_many or broker_problem(ctx, held, files, more) or (ErrorCode.NONE, None)
            if code is ErrorCode.NONE:
                held, files = held + more, files + more * partition_bounds.FILES_PER_PARTITION
                if not request.validate_only:
                    code, message = await _add(ctx, t.name, t.count)
            results.append(Response.CreatePartitionsTopicResult(name=t.name, error_code=code, error_message=message))
    return Response(version=ctx.api_version, throttle_time_ms=0, results=results)


async def _add(ctx, name: str, total: int) -> tuple[ErrorCode, str | None]:
    try:
        added = await ctx.catalog.add_partitions_async(name, total)
    except OSError as exc:
        log.error("Could not add partitions to topic %s: %s", name, exc)
        return ErrorCode.UNKNOWN_SERVER_ERROR, f"Could not record the new partitions of {name}: {exc.strerror or exc}"
    if not added:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"The topic '{name}' does not exist."
    return ErrorCode.NONE, None


def _check(ctx, t) -> tuple[ErrorCode, str | None]:
    if not ctx.authorized(ALTER, TOPIC, t.name):
        return ErrorCode.TOPIC_AUTHORIZATION_FAILED, None
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
