"""RequestContext: exactly what a handler may use — broker state, the request's version, and the time.

The clock is read once per request by the server loop and handed in as
``now_ms``; handlers never read it themselves. A handler may await
``state.appends.wait`` (the Fetch long-poll) and ``state.flusher.flush`` (an
fsync the flush policy asks for before an acknowledgement).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kcli.broker.acl.authorizer import Authorizer
from kcli.broker.config import BrokerConfig
from kcli.broker.connection import Connection
from kcli.broker.group.service import GroupService
from kcli.broker.log.catalog import Catalog
from kcli.broker.log.flusher import LogFlusher
from kcli.broker.sasl.credentials import ScramCredentialStore
from kcli.broker.wakeup import Wakeup

if TYPE_CHECKING:
    from kcli.broker.txn.service import TransactionService


@dataclass
class BrokerState:
    """State shared by all connections of one broker."""

    config: BrokerConfig
    catalog: Catalog
    appends: Wakeup  # notified with (topic, partition) when a partition's log grows; with nothing when unknown which
    advertised_port: int
    next_producer_id: int
    api_versions: tuple[tuple[int, int, int], ...]  # (api_key, min, max), from dispatch.ROUTES
    groups: GroupService
    flusher: LogFlusher  # fsyncs the flush policy asks for, grouped across requests
    auto_create_refused: set[str] = field(default_factory=set)  # topics whose refusal was logged once
    advertised: dict[str, tuple[str, int]] = field(default_factory=dict)  # listener name -> (host, port) Metadata gives its clients
    scram: ScramCredentialStore | None = None  # SCRAM users (AlterUserScramCredentials)
    authorizer: Authorizer | None = None  # None: no authorizer.class.name, every request allowed
    txns: "TransactionService | None" = None  # the transaction coordinator (kcli/broker/txn/)
    # topic name -> (Topic, partition count, {version: encoded entry}) (handlers/metadata.py); a change drops it
    metadata_cache: dict[str, tuple] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.catalog.listeners.append(self._topic_changed)

    def _topic_changed(self, name: str) -> None:
        self.metadata_cache.pop(name, None)

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
    connection: Connection | None = None  # the listener, principal and client software of the request's connection

    def authorized(self, operation: int, resource_type: int, name: str) -> bool:
        """May this request's principal do ``operation`` on the resource (kcli/broker/acl/authorizer.py)?"""
        authorizer = self.state.authorizer
        if authorizer is None:
            return True
        connection = self.connection
        if connection is None:
            return authorizer.authorize("User:ANONYMOUS", "", operation, resource_type, name)
        return authorizer.authorize(connection.principal, connection.client_host.lstrip("/"), operation, resource_type, name)

    def authorized_by_resource_type(self, operation: int, resource_type: int) -> bool:
        """May this request's principal do ``operation`` on some resource of this type (Kafka's authorizeByResourceType)?"""
        authorizer = self.state.authorizer
        if authorizer is None:
            return True
        connection = self.connection
        if connection is None:
            return authorizer.authorize_by_resource_type("User:ANONYMOUS", "", operation, resource_type)
        return authorizer.authorize_by_resource_type(connection.principal, connection.client_host.lstrip("/"), operation, resource_type)

    def advertised_address(self) -> tuple[str, int]:
        """The (host, port) of the listener this request came in on, as advertised (Kafka's Metadata does the same)."""
        if self.connection is not None:
            address = self.state.advertised.get(self.connection.listener.name)
            if address is not None:
                return address
        return self.config.advertised_host, self.state.advertised_port

    @property
    def config(self) -> BrokerConfig:
        return self.state.config

    @property
    def catalog(self) -> Catalog:
        return self.state.catalog
