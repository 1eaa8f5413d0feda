"""DescribeProducers (key 61): v0. The producers a partition knows (KIP-664, ``kafka-transactions describe-producers``):
id, epoch, last sequence, last batch timestamp and the first offset of the open transaction (-1 when none).
kcli keeps no coordinator epoch per producer (one node: the coordinator never moves): it is -1.
A topic the principal may not READ is TOPIC_AUTHORIZATION_FAILED, checked before the topic's existence, each
error with its Errors message (KafkaApis' ApiError)."""

from kafka.protocol.admin.transactions import DescribeProducersRequest as Request
from kafka.protocol.admin.transactions import DescribeProducersResponse as Response

from kcli.broker.acl.bindings import READ, TOPIC
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 0)

_Topic = Response.TopicResponse
_Partition = _Topic.PartitionResponse
_Producer = _Partition.ProducerState
_MESSAGES = {ErrorCode.TOPIC_AUTHORIZATION_FAILED: "Topic authorization failed.",
             ErrorCode.UNKNOWN_TOPIC_OR_PARTITION: "This server does not host this topic-partition."}


def handle(request, ctx):
    topics = []
    for t in request.topics:
        results = []
        readable = ctx.authorized(READ, TOPIC, t.name)
        for index in t.partition_indexes:
            partition = ctx.catalog.partition(t.name, index)
            if not readable or partition is None:
                code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION if readable else ErrorCode.TOPIC_AUTHORIZATION_FAILED
                results.append(_Partition(partition_index=index, error_code=code, error_message=_MESSAGES[code], active_producers=[]))
                continue
            ongoing = partition.transactions.ongoing
            known = {pid: (epoch, seq, ts) for pid, epoch, seq, ts in partition.producers.active()}
            for pid in ongoing:
                known.setdefault(pid, (-1, -1, -1))
            producers = [
                _Producer(producer_id=pid, producer_epoch=epoch, last_sequence=seq, last_timestamp=ts, coordinator_epoch=-1,
                          current_txn_start_offset=ongoing.get(pid, -1))
                for pid, (epoch, seq, ts) in sorted(known.items())
            ]
            results.append(_Partition(partition_index=index, error_code=0, error_message=None, active_producers=producers))
        topics.append(_Topic(name=t.name, partitions=results))
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=topics)


def error_response(request, ctx, code):
    topics = [_Topic(name=t.name, partitions=[_Partition(partition_index=i, error_code=code, error_message=None, active_producers=[])
                                             for i in t.partition_indexes]) for t in request.topics]
    return Response(version=ctx.api_version, throttle_time_ms=0, topics=topics)
