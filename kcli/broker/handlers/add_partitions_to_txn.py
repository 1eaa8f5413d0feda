"""AddPartitionsToTxn (key 24): v0–v3, the client path. v1 is v0; v2 adds PRODUCER_FENCED; v3 is flexible.

v4 (a batch of transactions, sent by brokers verifying a produce, KIP-890) is
not advertised: one node verifies in-process. A partition that does not
exist is UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED,
as Kafka answers; a coordinator error is given to every partition.
"""

from kafka.protocol.producer.transaction import AddPartitionsToTxnRequest as Request
from kafka.protocol.producer.transaction import AddPartitionsToTxnResponse as Response

from kcli.broker.txn.versions import fenced_code
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 3)

_Topic = Response.AddPartitionsToTxnTopicResult
_Partition = _Topic.AddPartitionsToTxnPartitionResult


def handle(request, ctx):
    wanted = [(t.name, p) for t in request.v3_and_below_topics for p in t.partitions]
    unknown = {tp for tp in wanted if ctx.catalog.partition(*tp) is None}
    if unknown:
        codes = {tp: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION if tp in unknown else ErrorCode.OPERATION_NOT_ATTEMPTED for tp in wanted}
    else:
        code = ctx.state.txns.add_partitions(request.v3_and_below_transactional_id, request.v3_and_below_producer_id,
                                             request.v3_and_below_producer_epoch, wanted, ctx.now_ms)
        codes = dict.fromkeys(wanted, fenced_code(code, ctx.api_version, 2))
    return _response(request, ctx, codes)


def _response(request, ctx, codes):
    topics = [
        _Topic(name=t.name, results_by_partition=[_Partition(partition_index=p, partition_error_code=codes[(t.name, p)]) for p in t.partitions])
        for t in request.v3_and_below_topics
    ]
    return Response(version=ctx.api_version, throttle_time_ms=0, results_by_topic_v3_and_below=topics)


def error_response(request, ctx, code):
    return _response(request, ctx, {(t.name, p): code for t in request.v3_and_below_topics for p in t.partitions})
