"""InitProducerId (key 22): v0–v5, as Kafka 3.9. v1 is v0; v2 is flexible; v3 adds the producer id
and epoch of a producer asking to resume (KIP-360); v4 and v5 only add error codes for transactions.

Hands out a fresh producer id with epoch 0 for idempotent producers, also when one asks to
resume an id (Kafka's TransactionCoordinator "blindly" allocates a new one when the
transactional id is null); a producer id without an epoch, or an epoch without a producer
id, is INVALID_REQUEST, as Kafka's KafkaApis answers. With a transactional id the transaction
coordinator (kcli/broker/txn/) answers: the id's producer id with its epoch bumped, fencing
older producers; PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v4, as in Kafka.

v3+ matters beyond transactions: kafka-python takes a broker advertising ListOffsets v7 for
Kafka 3.0 and then recovers an idempotent producer from OUT_OF_ORDER_SEQUENCE_NUMBER or
UNKNOWN_PRODUCER_ID with an InitProducerId of at least v3 (librdkafka does the same).
"""

from kafka.protocol.producer import InitProducerIdRequest as Request
from kafka.protocol.producer import InitProducerIdResponse as Response

from kcli.broker.txn.versions import fenced_code
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 5)
NO_PRODUCER_ID = NO_PRODUCER_EPOCH = -1


def handle(request, ctx):
    resuming = (getattr(request, "producer_id", NO_PRODUCER_ID), getattr(request, "producer_epoch", NO_PRODUCER_EPOCH))
    if (resuming[0] == NO_PRODUCER_ID) != (resuming[1] == NO_PRODUCER_EPOCH):
        return _refused(ctx, ErrorCode.INVALID_REQUEST)
    if request.transactional_id is not None:
        code, pid, epoch = ctx.state.txns.init_producer_id(
            request.transactional_id, request.transaction_timeout_ms, resuming[0], resuming[1], ctx.now_ms)
        if code != ErrorCode.NONE:
            return _refused(ctx, fenced_code(code, ctx.api_version, 4))
        return Response(version=ctx.api_version, throttle_time_ms=0, error_code=0, producer_id=pid, producer_epoch=epoch)
    producer_id = ctx.state.next_producer_id
    ctx.state.next_producer_id += 1
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=0, producer_id=producer_id, producer_epoch=0)


def _refused(ctx, code: ErrorCode):
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=code, producer_id=-1, producer_epoch=-1)
