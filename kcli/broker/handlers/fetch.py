"""Fetch (key 1): serves v0–v10, sessionless.

v0–v3 predate record batches: each partition's batches are rewritten as a
message set of magic 0 (v0–v1) or 1 (v2–v3) (legacy_records.down_convert), as
Kafka 3.9 down-converts; v1 adds throttle_time_ms, v3 the response's max_bytes.
v4 adds isolation_level, last_stable_offset and aborted transactions; v5
log_start_offset; v7 fetch sessions (kcli always answers session_id 0, so
clients send full requests); v9 current_leader_epoch; v10 is v9 again (and
tells librdkafka that zstd is available).

A partition returns whole batches starting with the one that contains the
fetch offset, up to ``partition_max_bytes``, and the response stops adding
partitions at ``max_bytes``; the first batch is always returned whole so a
large batch never stalls a consumer. With less than ``min_bytes`` ready, the
request waits until data arrives or ``max_wait_ms`` passes. Under
isolation_level=READ_COMMITTED the batches stop at the last stable offset and
the aborted transactions of the range go along (kcli/broker/log/read_committed.py).
"""

import asyncio

from kafka.protocol.consumer import FetchRequest as Request
from kafka.protocol.consumer import FetchResponse as Response

from kcli.broker.log import read_committed
from kcli.broker.log.partition import AppendError
from kcli.broker.acl.bindings import READ, TOPIC
from kcli.protocol.kafka import legacy_records
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 10)
READ_COMMITTED = 1

_Topic = Response.FetchableTopicResponse
_Partition = _Topic.PartitionData


async def handle(request, ctx):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(request.max_wait_ms, 0) / 1000
    while True:
        topics, total = _read(request, ctx)
        remaining = deadline - loop.time()
        if total >= max(request.min_bytes, 1) or remaining <= 0:
            break
        if not await ctx.state.appends.wait(remaining, [(t.topic, p.partition) for t in request.topics for p in t.partitions]):
            topics, total = _read(request, ctx)
            break
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=0, session_id=0, responses=topics)


def _read(request, ctx):
    budget = request.max_bytes if ctx.api_version >= 3 else 0x7FFFFFFF
    total = 0
    topics = []
    for t in request.topics:
        results = []
        if not ctx.authorized(READ, TOPIC, t.topic):
            topics.append(_Topic(topic=t.topic, partitions=[_empty(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED) for p in t.partitions]))
            continue
        for p in t.partitions:
            partition = ctx.catalog.partition(t.topic, p.partition)
            if partition is None:
                results.append(_empty(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))
                continue
            records = b""
            code = ErrorCode.NONE
            limit = min(p.partition_max_bytes, budget - total)
            try:
                if p.fetch_offset < partition.log_end_offset and (limit > 0 or total == 0):
                    records = partition.read(p.fetch_offset, max(limit, 0), min_one_batch=total == 0)
                    if ctx.api_version < 4:
                        records = _down_converted(records, ctx.api_version, p.fetch_offset)
                elif p.fetch_offset > partition.log_end_offset:
                    raise AppendError(ErrorCode.OFFSET_OUT_OF_RANGE)
            except AppendError as exc:
                code, records = exc.code, b""
            aborted = None
            if request.isolation_level == READ_COMMITTED and code == ErrorCode.NONE:
                records, aborted = read_committed.limit(partition, p.fetch_offset, records)
            total += len(records)
            results.append(
                _Partition(
                    partition_index=p.partition,
                    error_code=code,
                    high_watermark=partition.high_watermark,
                    last_stable_offset=partition.last_stable_offset,
                    log_start_offset=partition.log_start_offset,
                    aborted_transactions=aborted,
                    preferred_read_replica=-1,
                    records=records,
                )
            )
        topics.append(_Topic(topic=t.topic, partitions=results))
    return topics, total


def _down_converted(records: bytes, version: int, fetch_offset: int) -> bytes:
    """Fetch v0–v3: the stored batches as a message set of the magic the version allows."""
    try:
        return legacy_records.down_convert(records, legacy_records.magic_for_fetch(version), fetch_offset)
    except legacy_records.ZstdNotDownConvertible:
        raise AppendError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE) from None


def _empty(index: int, code: ErrorCode):
    return _Partition(
        partition_index=index, error_code=code, high_watermark=-1, last_stable_offset=-1, log_start_offset=-1,
        aborted_transactions=None, preferred_read_replica=-1, records=b"",
    )


def error_response(request, ctx, code):
    """``code`` at the top (v7+) and on every partition asked for (Kafka's FetchRequest.getErrorResponse)."""
    topics = [_Topic(topic=t.topic, partitions=[_empty(p.partition, code) for p in t.partitions]) for t in request.topics]
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=code, session_id=0, responses=topics)
