"""Produce (key 0): serves v0–v8, Kafka 3.9's floor.

v0–v2 carry message sets of magic 0 or 1 (v1 adds throttle_time_ms, v2
log_append_time_ms); they are converted to one magic-2 batch each on append
(legacy_records), as Kafka 3.x stores v2 only; a magic-2 batch in them is
taken as it is, without the v3+ request checks, as Kafka takes it. (librdkafka
before 2.11.1 also looks for Produce v0 in ApiVersions to enable gzip, snappy
and lz4, KAFKA-18659.) v3 adds transactional_id (record batch v2 only); v5
log_start_offset; v4, v6 and v7 change only error semantics; v8 adds
record_errors and error_message (KIP-467), filled when log_validator refuses a batch. v9 is the first flexible version, left out.
acks=0 gets no response at all. Internal topics (``__consumer_offsets``)
are written by the broker only, as in Kafka. A transactional batch is appended only to a
partition of the producer's open transaction (kcli/broker/txn/produce_check.py); one in a
request without a transactional id refuses the whole request with
TRANSACTIONAL_ID_AUTHORIZATION_FAILED, authorizer or not, as KafkaApis does. The check
reads the header the transaction check reads anyway, so plain batches cost nothing more;
it comes at the partition's turn, where Kafka checks first: a plain batch of an earlier
partition is then already appended (that partition alone is refused), and a partition
refused earlier (unknown topic, bad acks, a batch log_validator refuses) keeps that error.

When a partition's ``flush.messages`` is reached, the response waits for the
fsync (shared with concurrent requests, run off the event loop); a failed
write or fsync answers KAFKA_STORAGE_ERROR for that partition.

Hot path: the request body is decoded by produce_codec, its records left as views
into the received frame, and the response is encoded by hand there (both checked
byte for byte against kafka-python's classes); only ``error_response`` uses
kafka-python's Response. ``handle`` is a plain function: only an answer that
waits for an fsync goes on as a coroutine, so a request that waits for nothing
is served without one (the channel answers it without a Task). Each batch
header is parsed once, and the request checks, the transaction check and the
append all read that one.
"""

from kafka.protocol.producer import ProduceRequest as Request
from kafka.protocol.producer import ProduceResponse as Response

from kcli.broker.log.partition import AppendError
from kcli.broker.acl.bindings import TOPIC, WRITE
from kcli.broker.txn import produce_check
from kcli.protocol.kafka import legacy_records, log_validator, produce_codec, record_batch
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 8)

_Topic = Response.TopicProduceResponse
_Partition = _Topic.PartitionProduceResponse
_Answer = produce_codec.PartitionProduceResponse
_NONE = ErrorCode.NONE


def decode_body(frame, head):
    """The request's body from the received frame (the header is already parsed), records left in place."""
    return produce_codec.decode_request(frame, head.end, head.api_version)


def handle(request, ctx):
    """The response, or None for acks=0; when an answer must wait for an fsync (flush.messages), a coroutine
    that gives it once the fsync is done (so a request that waits for nothing runs no coroutine of its own)."""
    acks = request.acks
    acks_ok = acks in (-1, 0, 1)
    state = ctx.state
    catalog = state.catalog
    appended = []  # (topic, partition) keys of the partitions that grew
    durable = []  # (results, i, partition): answers that wait for an fsync
    topics = []
    for t in request.topic_data:
        name = t.name
        topic = catalog.topics.get(name)
        internal = topic is not None and topic.internal
        allowed = state.authorizer is None or ctx.authorized(WRITE, TOPIC, name)
        results = []
        for p in t.partition_data:
            partition = catalog.partition(name, p.index)
            code, base, append_time, start = _NONE, -1, -1, -1
            record_errors, error_message = [], None
            if not acks_ok:
                code = ErrorCode.INVALID_REQUIRED_ACKS
            elif not allowed:
                code = ErrorCode.TOPIC_AUTHORIZATION_FAILED
            elif partition is None:
                code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            elif internal:
                code = ErrorCode.INVALID_TOPIC_EXCEPTION  # "Cannot append to internal topic"
            elif not p.records:
                code = ErrorCode.CORRUPT_MESSAGE
            else:
                try:
                    result = _append(partition, p.records, ctx, request.transactional_id)
                    base, append_time = result.base_offset, result.log_append_time
                    appended.append((name, p.index))
                    if partition.flush_due():
                        durable.append((results, len(results), partition))
                except AppendError as exc:
                    if exc.code == ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED and not appended:
                        return error_response(request, ctx, exc.code)
                    code, error_message = exc.code, exc.message or None
                    record_errors = list(exc.record_errors)
                start = partition.log_start_offset
            results.append(_Answer(p.index, code, base, append_time, start, record_errors, error_message))
        topics.append((name, results))
    for key in appended:
        state.appends.notify(key)  # wakes the fetches waiting on that partition only
    if durable:
        flushed = state.flusher.flush(p for _, _, p in durable)
        if acks == 0:
            return None
        return _after_fsync(flushed, durable, produce_codec.ProduceResponse(ctx.api_version, topics))
    if acks == 0:
        return None
    return produce_codec.ProduceResponse(ctx.api_version, topics)


async def _after_fsync(flushed, durable, response):
    """``response`` once the fsync round ``flushed`` is done: KAFKA_STORAGE_ERROR for the partitions it failed."""
    failed = await flushed
    for results, i, partition in durable:
        if partition in failed:
            results[i] = _Answer(results[i].index, ErrorCode.KAFKA_STORAGE_ERROR, log_start_offset=partition.log_start_offset)
    return response


def _append(partition, records, ctx, transactional_id):
    """Kafka's per-request checks of one partition's records, then the partition's own append."""
    if ctx.api_version < 3:
        return partition.append(_up_converted(records, partition), ctx.now_ms)
    header = record_batch.unpack_header(records)  # parsed once: the checks and the append take it
    try:
        log_validator.validate_produce_records(records, ctx.api_version, header)
    except log_validator.RecordValidationError as exc:
        raise AppendError(exc.code, exc.message) from None
    if header is not None and header.attributes & record_batch.ATTR_TRANSACTIONAL:
        txns = ctx.state.txns
        code = produce_check.check(records, partition.topic, partition.index, txns.coordinator if txns else None,
                                   transactional_id, header)
        if code != ErrorCode.NONE:
            raise AppendError(code)
    return partition.append(records, ctx.now_ms, header=header)


def _up_converted(records, partition):
    """Produce v0–v2: a message set of magic 0/1 as the magic-2 batch the log stores."""
    try:
        if legacy_records.magic_of(records) >= 2:
            code = produce_check.check(records, partition.topic, partition.index, None, None)  # no transactional id below v3
            if code != ErrorCode.NONE:
                raise AppendError(code)
            return records
        return legacy_records.to_record_batch(records)
    except legacy_records.LegacyFormatError as exc:
        raise AppendError(ErrorCode.CORRUPT_MESSAGE, str(exc)) from None


def error_response(request, ctx, code):
    """Every partition with ``code`` (Kafka's ProduceRequest.getErrorResponse); acks=0 gets none: the connection closes."""
    if request.acks == 0:
        return None
    topics = [
        _Topic(name=t.name, partition_responses=[
            _Partition(index=p.index, error_code=code, base_offset=-1, log_append_time_ms=-1, log_start_offset=-1) for p in t.partition_data
        ])
        for t in request.topic_data
    ]
    return Response(version=ctx.api_version, responses=topics, throttle_time_ms=0)
