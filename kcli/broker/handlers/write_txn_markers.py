"""WriteTxnMarkers (key 27): v0–v1, as Kafka 3.9 serves them (v1 is v0, flexible; kafka-python's schema lists
v1+ but its fields are v0+, so its codec encodes v0 too: tests/broker/test_every_version.py walks it).

Between brokers the coordinator sends it to partition leaders; on one node the coordinator writes its
markers itself (kcli/broker/txn/service.py), so this serves the admin path only: ``kafka-transactions
abort`` (Admin.abortTransaction) writes an ABORT marker to one partition to close a hanging transaction.
A marker whose epoch is older than the producer's is INVALID_PRODUCER_EPOCH, as Kafka's
ProducerStateManager answers.
"""

from kafka.protocol.producer.transaction import WriteTxnMarkersRequest as Request
from kafka.protocol.producer.transaction import WriteTxnMarkersResponse as Response

from kcli.broker.log.partition import AppendError
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 1)

_Result = Response.WritableTxnMarkerResult
_Topic = _Result.WritableTxnMarkerTopicResult
_Partition = _Topic.WritableTxnMarkerPartitionResult


def handle(request, ctx):
    markers = []
    for marker in request.markers:
        topics = []
        for t in marker.topics:
            results = []
            for index in t.partition_indexes:
                results.append(_Partition(partition_index=index, error_code=_write(ctx, marker, t.name, index)))
            topics.append(_Topic(name=t.name, partitions=results))
        markers.append(_Result(producer_id=marker.producer_id, topics=topics))
    ctx.state.appends.notify()
    return Response(version=ctx.api_version, markers=markers)


def _write(ctx, marker, topic: str, index: int) -> ErrorCode:
    partition = ctx.catalog.partition(topic, index)
    if partition is None:
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    known = {pid: epoch for pid, epoch, _, _ in partition.producers.active()}
    if marker.producer_epoch < known.get(marker.producer_id, -1):
        return ErrorCode.INVALID_PRODUCER_EPOCH
    try:
        partition.append_marker(marker.producer_id, marker.producer_epoch, marker.transaction_result,
                                max(marker.coordinator_epoch, 0), ctx.now_ms)
    except AppendError as exc:
        return exc.code
    return ErrorCode.NONE


def error_response(request, ctx, code):
    markers = [_Result(producer_id=m.producer_id, topics=[_Topic(name=t.name, partitions=[
        _Partition(partition_index=i, error_code=code) for i in t.partition_indexes]) for t in m.topics]) for m in request.markers]
    return Response(version=ctx.api_version, markers=markers)
