"""InitProducerId (key 22): v0–v1 (identical bodies).

Hands out a fresh producer id with epoch 0 for idempotent producers.
Transactions are not served yet: a transactional id is refused.
"""

from kafka.protocol.producer import InitProducerIdRequest as Request
from kafka.protocol.producer import InitProducerIdResponse as Response

from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 1)


def handle(request, ctx):
    if request.transactional_id is not None:
        return Response(version=ctx.api_version, throttle_time_ms=0, error_code=ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producer_id=-1, producer_epoch=-1)
    producer_id = ctx.state.next_producer_id
    ctx.state.next_producer_id += 1
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=0, producer_id=producer_id, producer_epoch=0)
