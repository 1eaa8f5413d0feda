"""EndTxn (key 26): v0–v4. v1 is v0; v2 adds PRODUCER_FENCED; v3 is flexible; v4 adds an error code.

v5 (Transactions V2, KIP-890) is not advertised. The markers are written to
every partition of the transaction before the answer (kcli/broker/txn/service.py).
"""

from kafka.protocol.producer.transaction import EndTxnRequest as Request
from kafka.protocol.producer.transaction import EndTxnResponse as Response

from kcli.broker.txn.versions import fenced_code

ADVERTISED = (0, 4)


def handle(request, ctx):
    code = ctx.state.txns.end_txn(request.transactional_id, request.producer_id, request.producer_epoch,
                                  request.committed, ctx.now_ms)
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=fenced_code(code, ctx.api_version, 2))
