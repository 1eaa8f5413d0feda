"""ListTransactions (key 66): v0–v1, as Kafka 3.9. v1 adds the duration filter (KIP-994): only transactions
open longer than that many milliseconds. A state filter naming no state is reported in unknown_state_filters.
Only ids the principal may DESCRIBE are listed, as KafkaApis filters them."""

from kafka.protocol.admin.transactions import ListTransactionsRequest as Request
from kafka.protocol.admin.transactions import ListTransactionsResponse as Response

from kcli.broker.acl.bindings import DESCRIBE, TRANSACTIONAL_ID
from kcli.broker.txn.metadata import TxnState

ADVERTISED = (0, 1)

_NAMES = {s.kafka_name: s for s in TxnState}


def handle(request, ctx):
    states = set(request.state_filters or ())
    unknown = sorted(s for s in states if s not in _NAMES)
    pids = set(request.producer_id_filters or ())
    duration = request.duration_filter if ctx.api_version >= 1 else -1
    found = []
    for tid, txn in sorted(ctx.state.txns.coordinator.transactions.items()):
        if states and txn.state.kafka_name not in states:
            continue
        if pids and txn.producer_id not in pids:
            continue
        if not ctx.authorized(DESCRIBE, TRANSACTIONAL_ID, tid):
            continue
        if duration is not None and duration >= 0 and (txn.state != TxnState.ONGOING or ctx.now_ms - txn.start_ms < duration):
            continue
        found.append(Response.TransactionState(transactional_id=tid, producer_id=txn.producer_id, transaction_state=txn.state.kafka_name))
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=0, unknown_state_filters=unknown, transaction_states=found)
