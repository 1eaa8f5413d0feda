"""Produce (key 0): serves v3–v7; advertises from v0.

v0–v2 are advertised only because librdkafka before 2.11.1 enables gzip,
snappy and lz4 when Produce v0 is in range (Kafka 4.0 does the same,
KAFKA-18659); they are refused if sent. v3 adds transactional_id (record
batch v2 only); v5 log_start_offset; v4, v6 and v7 change only error
semantics. acks=0 gets no response at all. Internal topics
(``__consumer_offsets``) are written by the broker only, as in Kafka.
"""

from kafka.protocol.producer import ProduceRequest as Request
from kafka.protocol.producer import ProduceResponse as Response

from kcli.broker.log.partition import AppendError
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 7)
IMPLEMENTED_MIN = 3

_Topic = Response.TopicProduceResponse
_Partition = _Topic.PartitionProduceResponse


def handle(request, ctx):
    acks_ok = request.acks in (-1, 0, 1)
    appended = False
    topics = []
    for t in request.topic_data:
        topic = ctx.catalog.topics.get(t.name)
        internal = topic is not None and topic.internal
        results = []
        for p in t.partition_data:
            partition = ctx.catalog.partition(t.name, p.index)
            code, base, append_time, start = ErrorCode.NONE, -1, -1, -1
            if not acks_ok:
                code = ErrorCode.INVALID_REQUIRED_ACKS
            elif partition is None:
                code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            elif internal:
                code = ErrorCode.INVALID_TOPIC_EXCEPTION  # "Cannot append to internal topic"
            elif not p.records:
                code = ErrorCode.CORRUPT_MESSAGE
            else:
                try:
                    result = partition.append(p.records, ctx.now_ms)
                    base, append_time = result.base_offset, result.log_append_time
                    appended = True
                except AppendError as exc:
                    code = exc.code
                start = partition.log_start_offset
            results.append(_Partition(index=p.index, error_code=code, base_offset=base, log_append_time_ms=append_time, log_start_offset=start))
        topics.append(_Topic(name=t.name, partition_responses=results))
    if appended:
        ctx.state.appends.notify()
    if request.acks == 0:
        return None
    return Response(version=ctx.api_version, responses=topics, throttle_time_ms=0)


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
