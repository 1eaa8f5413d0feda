"""AddPartitionsToTxn (key 24): v0–v3, the client path. v1 is v0; v2 adds PRODUCER_FENCED; v3 is flexible.

v4 (a batch of transactions, sent by brokers verifying a produce, KIP-890) is
not advertised: one node verifies in-process. A partition of a topic the
principal may not WRITE is TOPIC_AUTHORIZATION_FAILED, and so is one of an
internal topic, authorizer or not (KafkaApis leaves internal topics out of the
names it authorizes); then one that does not exist is UNKNOWN_TOPIC_OR_PARTITION;
if any partition failed, the others are OPERATION_NOT_ATTEMPTED, as Kafka answers.
A coordinator error is given to every partition. WRITE on the transactional
id is checked before (kcli/broker/acl/checks.py).
"""

from kafka.protocol.producer.transaction import AddPartitionsToTxnRequest as Request
from kafka.protocol.producer.transaction import AddPartitionsToTxnResponse as Response

from kcli.broker.acl.bindings import TOPIC, WRITE
from kcli.broker.group.metadata_manager import TOPIC as OFFSETS_TOPIC
from kcli.broker.txn.state_manager import TOPIC as TRANSACTION_STATE_TOPIC
from kcli.broker.txn.versions import fenced_code
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 3)

_Topic = Response.AddPartitionsToTxnTopicResult
_Partition = _Topic.AddPartitionsToTxnPartitionResult
_INTERNAL_TOPICS = (OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC)  # Kafka's Topic.isInternal


def handle(request, ctx):
    wanted = [(t.name, p) for t in request.v3_and_below_topics for p in t.partitions]
    writable = {t for t, _ in wanted if t not in _INTERNAL_TOPICS and ctx.authorized(WRITE, TOPIC, t)}
    failed = {tp: ErrorCode.TOPIC_AUTHORIZATION_FAILED if tp[0] not in writable else ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
              for tp in wanted if tp[0] not in writable or ctx.catalog.partition(*tp) is None}
    if failed:
        codes = {tp: failed.get(tp, ErrorCode.OPERATION_NOT_ATTEMPTED) for tp in wanted}
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
