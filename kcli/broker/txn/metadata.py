"""TransactionMetadata: what the coordinator knows of one transactional id (Kafka's TransactionMetadata).

States and the ids Kafka stores them as in ``__transaction_state``: Empty 0,
Ongoing 1, PrepareCommit 2, PrepareAbort 3, CompleteCommit 4, CompleteAbort 5,
Dead 6, PrepareEpochFence 7. A transaction runs Empty/Complete* → Ongoing (first
AddPartitionsToTxn or AddOffsetsToTxn) → Prepare* (EndTxn, or an abort by
timeout or fencing) → Complete* once every partition has its marker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class TxnState(IntEnum):
    EMPTY = 0
    ONGOING = 1
    PREPARE_COMMIT = 2
    PREPARE_ABORT = 3
    COMPLETE_COMMIT = 4
    COMPLETE_ABORT = 5
    DEAD = 6
    PREPARE_EPOCH_FENCE = 7

    @property
    def kafka_name(self) -> str:
        return "".join(w.capitalize() for w in self.name.split("_"))


@dataclass(frozen=True)
class TxnConfig:
    max_timeout_ms: int = 900000
    abort_interval_ms: int = 10000
    id_expiration_ms: int = 604800000
    coordinator_epoch: int = 0  # one broker: the coordinator never moves

    @classmethod
    def from_properties(cls, props: dict[str, str]) -> "TxnConfig":
        return cls(
            int(props.get("transaction.max.timeout.ms", "900000")),
            int(props.get("transaction.abort.timed.out.transaction.cleanup.interval.ms", "10000")),
            int(props.get("transactional.id.expiration.ms", "604800000")),
        )


@dataclass
class TransactionMetadata:
    transactional_id: str
    producer_id: int
    producer_epoch: int
    timeout_ms: int
    state: TxnState = TxnState.EMPTY
    partitions: set[tuple[str, int]] = field(default_factory=set)
    start_ms: int = -1
    last_update_ms: int = -1

    def sorted_partitions(self) -> list[tuple[str, int]]:
        return sorted(self.partitions)
