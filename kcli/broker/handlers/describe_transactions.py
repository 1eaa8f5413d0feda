"""DescribeTransactions (key 65): v0. Each id's state, timeout, start time, producer and partitions;
an id the coordinator does not know is TRANSACTIONAL_ID_NOT_FOUND. As in KafkaApis, an id the principal may not
DESCRIBE is TRANSACTIONAL_ID_AUTHORIZATION_FAILED, and only topics it may DESCRIBE are listed."""

from kafka.protocol.admin.transactions import DescribeTransactionsRequest as Request
from kafka.protocol.admin.transactions import DescribeTransactionsResponse as Response

from kcli.broker.acl.bindings import DESCRIBE, TOPIC, TRANSACTIONAL_ID
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 0)

_State = Response.TransactionState
_Topic = _State.TopicData


def handle(request, ctx):
    states = []
    for tid in request.transactional_ids:
        if not ctx.authorized(DESCRIBE, TRANSACTIONAL_ID, tid):
            states.append(_failed(tid, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED))
            continue
        txn = ctx.state.txns.coordinator.transactions.get(tid)
        if txn is None:
            states.append(_failed(tid, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND))
            continue
        by_topic: dict[str, list[int]] = {}
        for topic, partition in txn.sorted_partitions():
            if ctx.authorized(DESCRIBE, TOPIC, topic):
                by_topic.setdefault(topic, []).append(partition)
        states.append(_State(
            error_code=0, transactional_id=tid, transaction_state=txn.state.kafka_name, transaction_timeout_ms=txn.timeout_ms,
            transaction_start_time_ms=txn.start_ms, producer_id=txn.producer_id, producer_epoch=txn.producer_epoch,
            topics=[_Topic(topic=t, partitions=ps) for t, ps in by_topic.items()],
        ))
    return Response(version=ctx.api_version, throttle_time_ms=0, transaction_states=states)


def error_response(request, ctx, code):
    """Every id asked for with ``code`` (Kafka's DescribeTransactionsRequest.getErrorResponse)."""
    return Response(version=ctx.api_version, throttle_time_ms=0, transaction_states=[_failed(tid, code) for tid in request.transactional_ids])


def _failed(tid: str, code: int):
    return _State(error_code=code, transactional_id=tid, transaction_state="", transaction_timeout_ms=0,
                  transaction_start_time_ms=-1, producer_id=-1, producer_epoch=-1, topics=[])
