"""AddOffsetsToTxn (key 25): v0–v4. v1 is v0; v2 adds PRODUCER_FENCED; v3 is flexible; v4 adds an error code.

Adds the group's ``__consumer_offsets`` partition to the transaction, so EndTxn
writes its marker there and the TxnOffsetCommit offsets become visible (or go).
"""

from kafka.protocol.producer.transaction import AddOffsetsToTxnRequest as Request
from kafka.protocol.producer.transaction import AddOffsetsToTxnResponse as Response

from kcli.broker.txn.versions import fenced_code
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 4)


def handle(request, ctx):
    if not request.group_id:
        return Response(version=ctx.api_version, throttle_time_ms=0, error_code=ErrorCode.INVALID_GROUP_ID)
    txns = ctx.state.txns
    code = txns.add_partitions(request.transactional_id, request.producer_id, request.producer_epoch,
                               [txns.offsets_partition(request.group_id)], ctx.now_ms)
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=fenced_code(code, ctx.api_version, 2))
