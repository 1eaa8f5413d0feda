"""RequestContext: exactly what a handler may use — broker state, the request's version, and the time.

The clock is read once per request by the server loop and handed in as
``now_ms``; handlers never read it themselves. A handler may await
``state.appends.wait`` (the Fetch long-poll) and ``state.flusher.flush`` (an
fsync the flush policy asks for before an acknowledgement).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kcli.broker.config import BrokerConfig
from kcli.broker.group.service import GroupService
from kcli.broker.log.catalog import Catalog
from kcli.broker.log.flusher import LogFlusher
from kcli.broker.wakeup import Wakeup

if TYPE_CHECKING:
    from kcli.broker.txn.service import TransactionService


@dataclass
class BrokerState:
    """State shared by all connections of one broker."""

    config: BrokerConfig
    catalog: Catalog
    appends: Wakeup  # notified when any partition's log grows
    advertised_port: int
    next_producer_id: int
    api_versions: tuple[tuple[int, int, int], ...]  # (api_key, min, max), from dispatch.ROUTES
    groups: GroupService
    flusher: LogFlusher  # fsyncs the flush policy asks for, grouped across requests
    auto_create_refused: set[str] = field(default_factory=set)  # topics whose refusal was logged once
    txns: "TransactionService | None" = None  # the transaction coordinator (kcli/broker/txn/)

    def allocate_producer_id(self) -> int:
        producer_id = self.next_producer_id
        self.next_producer_id += 1
        return producer_id


@dataclass
class RequestContext:
    state: BrokerState
    api_version: int
    client_id: str | None
    now_ms: int
    client_host: str = ""  # as Kafka shows it: "/127.0.0.1"

    @property
    def config(self) -> BrokerConfig:
        return self.state.config

    @property
    def catalog(self) -> Catalog:
        return self.state.catalog
