"""Fetch (key 1): serves v0–v10, sessionless.

v0–v3 predate record batches: each partition's batches are rewritten as a
message set of magic 0 (v0–v1) or 1 (v2–v3) (legacy_records.down_convert), as
Kafka 3.9 down-converts; v1 adds throttle_time_ms, v3 the response's max_bytes.
v4 adds isolation_level, last_stable_offset and aborted transactions; v5
log_start_offset; v7 fetch sessions (kcli always answers session_id 0, so
clients send full requests); v9 current_leader_epoch; v10 is v9 again (and
tells librdkafka that zstd is available).

A partition returns the byte range of its log from the batch that contains
the fetch offset, as Kafka's LogSegment.read: at most ``partition_max_bytes``
and what is left of ``max_bytes``, so it may end inside a batch (clients drop
a partial batch at the end and ask again from there); only the first
partition with data gets its first batch whole however large (KIP-74), so a
large batch never stalls a consumer. Nothing reads the batches: the range is
found from the offset index and goes from the file to the socket with
sendfile (kcli/broker/log/file_slice.py, kcli/broker/sendfile_writer.py),
under the hand-written envelope of kcli/protocol/kafka/fetch_response.py.
The range ends at the high watermark, or under isolation_level=READ_COMMITTED
at the last stable offset, with the aborted transactions of the range
(kcli/broker/log/read_committed.py). With less than ``min_bytes`` ready, the
request waits until data arrives or ``max_wait_ms`` passes. The request body is
read by hand too (``decode_body``, kcli/protocol/kafka/fetch_request.py).
"""

import asyncio

from kafka.protocol.consumer import FetchRequest as Request
from kafka.protocol.consumer import FetchResponse as Response

from kcli.broker.log import read_committed
from kcli.broker.log.partition import AppendError
from kcli.broker.acl.bindings import READ, TOPIC
from kcli.protocol.kafka import fetch_request, legacy_records
from kcli.protocol.kafka.errors import ErrorCode
from kcli.protocol.kafka.fetch_response import FetchResponse, PartitionData

ADVERTISED = (0, 10)
READ_COMMITTED = 1
_NO_LIMIT = 0x7FFFFFFF
_NONE = ErrorCode.NONE

_Topic = Response.FetchableTopicResponse
_Partition = _Topic.PartitionData


_RECENT_BODIES = 256  # decoded requests kept per version, by their body's bytes (a few hundred KiB at most)
_RECENT_BODY_BYTES = 1024  # a longer body (many partitions) is decoded every time
_recent: list[dict[bytes, fetch_request.FetchRequest]] = [{} for _ in range(fetch_request.MAX_VERSION + 1)]


def decode_body(frame, head):
    """The request's body, read by hand from where the parsed header ends (kcli/protocol/kafka/fetch_request.py).

    A consumer with nothing new to read asks again with the same bytes (same partitions, same offsets), request
    after request: a body seen recently gives the request decoded then (handlers never change a request).
    """
    start, version = head.end, head.api_version
    if len(frame) - start > _RECENT_BODY_BYTES:
        return fetch_request.decode(frame, start, version)
    body = bytes(frame[start:])
    recent = _recent[version]
    request = recent.get(body)
    if request is None:
        request = fetch_request.decode(body, 0, version)
        if len(recent) >= _RECENT_BODIES:  # bounded: offsets move on, and old bodies are not asked again
            recent.clear()
        recent[body] = request
    return request


def handle(request, ctx):
    """The response, or (a long poll: less than ``min_bytes`` ready and ``max_wait_ms`` to wait) a coroutine
    giving it. The file ranges returned are sent, or pinned, before anything else runs
    (kcli/broker/sendfile_writer.py)."""
    topics, total = _read(request, ctx)
    if request.max_wait_ms <= 0 or total >= max(request.min_bytes, 1):
        return FetchResponse(ctx.api_version, topics)
    return _long_poll(request, ctx, topics)


async def _long_poll(request, ctx, topics):
    """Wait for appends to the partitions asked for until ``min_bytes`` are ready or ``max_wait_ms`` has passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + request.max_wait_ms / 1000
    wanted = max(request.min_bytes, 1)
    keys = [(t.topic, p.partition) for t in request.topics for p in t.partitions]
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        if not await ctx.state.appends.wait(remaining, keys):
            topics, _ = _read(request, ctx)
            break
        topics, total = _read(request, ctx)
        if total >= wanted:
            break
    return FetchResponse(ctx.api_version, topics)


def _read(request, ctx):
    """The response's topics, and their record bytes in all."""
    version = ctx.api_version
    budget = request.max_bytes if version >= 3 else _NO_LIMIT
    committed = version >= 4 and request.isolation_level == READ_COMMITTED
    total = 0
    topics = []
    state = ctx.state
    known = state.catalog.topics
    for t in request.topics:
        if state.authorizer is not None and not ctx.authorized(READ, TOPIC, t.topic):
            topics.append((t.topic, [_empty(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED) for p in t.partitions]))
            continue
        topic = known.get(t.topic)
        logs = topic.partitions if topic is not None else ()
        results = []
        for p in t.partitions:
            if not 0 <= p.partition < len(logs):  # as Catalog.partition
                results.append(_empty(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))
                continue
            partition = logs[p.partition]
            records = None
            code = _NONE
            fetch_offset = p.fetch_offset
            high_watermark, last_stable_offset, log_start_offset = partition.fetch_offsets()
            log_end_offset = high_watermark
            if fetch_offset > log_end_offset:
                code = ErrorCode.OFFSET_OUT_OF_RANGE
            elif fetch_offset < log_end_offset:
                limit = min(p.partition_max_bytes, budget - total)
                if limit > 0 or total == 0:
                    try:
                        bound = last_stable_offset if committed else high_watermark
                        records = partition.read_slice(fetch_offset, max(limit, 0), bound, min_one_batch=total == 0)
                        if version < 4 and records is not None:
                            records = _down_converted(records.read(), version, fetch_offset)
                    except AppendError as exc:
                        code, records = exc.code, None
            aborted = None
            if committed and code == _NONE:
                aborted = read_committed.aborted_transactions(partition, fetch_offset, records)
            if records is None:
                records = b""
            else:
                total += len(records)
            results.append(PartitionData(p.partition, code, high_watermark, last_stable_offset, log_start_offset,
                                         aborted, records))
        topics.append((t.topic, results))
    return topics, total


def _down_converted(records: bytes, version: int, fetch_offset: int) -> bytes:
    """Fetch v0–v3: the stored batches as a message set of the magic the version allows."""
    try:
        return legacy_records.down_convert(records, legacy_records.magic_for_fetch(version), fetch_offset)
    except legacy_records.ZstdNotDownConvertible:
        raise AppendError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE) from None


def _empty(index: int, code: ErrorCode) -> PartitionData:
    return PartitionData(index, code, -1, -1, -1, None, b"")


def _empty_kafka_python(index: int, code: ErrorCode):
    return _Partition(
        partition_index=index, error_code=code, high_watermark=-1, last_stable_offset=-1, log_start_offset=-1,
        aborted_transactions=None, preferred_read_replica=-1, records=b"",
    )


def error_response(request, ctx, code):
    """``code`` at the top (v7+) and on every partition asked for (Kafka's FetchRequest.getErrorResponse)."""
    topics = [_Topic(topic=t.topic, partitions=[_empty_kafka_python(p.partition, code) for p in t.partitions]) for t in request.topics]
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=code, session_id=0, responses=topics)
