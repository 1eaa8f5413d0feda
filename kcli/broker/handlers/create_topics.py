"""CreateTopics (key 19): v0–v3 (v1 adds validate_only, v2 the error message; v3 is v2 again).

Checks as Kafka's controller does: a legal name, partitions and replication
factor positive or -1 for the broker default, a replication factor the single
broker can satisfy, known topic configs with valid values. ``validate_only``
runs the checks and creates nothing. Then kcli's partition bounds
(partition_bounds.py): too many partitions in one request refuses every topic
of it with POLICY_VIOLATION; past the broker's bound a topic gets
INVALID_PARTITIONS. One creation at a time; the answer comes once the topic is
recorded in ``kcli-topics.json`` (catalog.py), so it survives a kill -9 at
once. The partitions' directories and segment files are made after the
answer on a worker thread (or by a partition's first append, if sooner), so
the answer does not wait on a thousand mkdirs: as in Kafka, where a broker
creates a partition's log when it takes the leadership the controller
assigned after recording the topic.
"""

import logging

from kafka.protocol.admin import CreateTopicsRequest as Request
from kafka.protocol.admin import CreateTopicsResponse as Response

from kcli.broker import partition_bounds, topic_config
from kcli.broker.log.catalog import topic_name_problem
from kcli.broker.acl.bindings import CLUSTER, CLUSTER_NAME, CREATE, TOPIC
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 3)
BROKERS = 1

log = logging.getLogger("kcli.broker")


async def handle(request, ctx):
    async with ctx.catalog.creation:
        checked = check_each(ctx, request.topics, _check)
        adding = sum(_partitions(ctx, t) for t, code, _ in checked if code is ErrorCode.NONE)
        too_many = partition_bounds.request_problem(adding, ctx.config.max_partitions_per_request)
        held, files = ctx.catalog.partition_count(), open_partition_files(ctx.catalog)
        results = []
        for t, code, message in checked:
            if code is ErrorCode.NONE:
                count = _partitions(ctx, t)
                code, message = too_many or broker_problem(ctx, held, files, count) or (ErrorCode.NONE, None)
            if code is ErrorCode.NONE:
                held, files = held + count, files + count * partition_bounds.FILES_PER_PARTITION
                if not request.validate_only:
                    code, message = await _create(ctx, t.name, count, {c.name: c.value for c in t.configs if c.value is not None})
            results.append(Response.CreatableTopicResult(name=t.name, error_code=code, error_message=message))
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=results)


def check_each(ctx, topics, check) -> list[tuple]:
    """(topic, code, message) per entry; a name given twice is refused each time, as Kafka's ControllerApis does."""
    seen: set[str] = set()
    twice: set[str] = set()
    for t in topics:
        (twice if t.name in seen else seen).add(t.name)
    return [(t, ErrorCode.INVALID_REQUEST, "Duplicate topic name.") if t.name in twice else (t, *check(ctx, t)) for t in topics]


def _partitions(ctx, t) -> int:
    return ctx.config.num_partitions if t.num_partitions == -1 else t.num_partitions


async def _create(ctx, name: str, partitions: int, configs: dict[str, str]) -> tuple[ErrorCode, str | None]:
    try:
        await ctx.catalog.create_async(name, partitions, configs)
    except OSError as exc:
        log.error("Could not create topic %s: %s", name, exc)
        return ErrorCode.UNKNOWN_SERVER_ERROR, f"Could not record topic {name}: {exc.strerror or exc}"
    return ErrorCode.NONE, None


def open_partition_files(catalog) -> int:
    return sum(partition_bounds.files_held(p) for t in catalog.topics.values() for p in t.partitions)


def broker_problem(ctx, held: int, files: int, adding: int) -> tuple[ErrorCode, str] | None:
    """The broker-wide bounds (kcli.max.partitions, open files); shared with CreatePartitions."""
    return partition_bounds.broker_problem(held, files, adding, ctx.config.max_partitions, partition_bounds.open_files_limit())


def _check(ctx, t) -> tuple[ErrorCode, str | None]:
    if not (ctx.authorized(CREATE, CLUSTER, CLUSTER_NAME) or ctx.authorized(CREATE, TOPIC, t.name)):
        return ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Authorization failed."
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


async def auto_create(ctx, name: str):
    """Create a topic on first use (Metadata with auto-creation allowed); None when the bounds refuse it."""
    async with ctx.catalog.creation:
        topic = ctx.catalog.topics.get(name)
        if topic is not None:  # created while this request waited
            return topic
        count = ctx.config.num_partitions
        problem = partition_bounds.request_problem(count, ctx.config.max_partitions_per_request) or broker_problem(
            ctx, ctx.catalog.partition_count(), open_partition_files(ctx.catalog), count
        )
        if problem is not None:
            if name not in ctx.state.auto_create_refused:  # clients retry Metadata every ~100 ms: say it once
                ctx.state.auto_create_refused.add(name)
                log.warning("Not creating topic %s on first use: %s", name, problem[1])
            return None
        return await ctx.catalog.create_async(name, count, {})


def error_response(request, ctx, code):
    """Every topic with ``code`` (Kafka's CreateTopicsRequest.getErrorResponse)."""
    results = [Response.CreatableTopicResult(name=t.name, error_code=code, error_message=None) for t in request.topics]
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=results)
