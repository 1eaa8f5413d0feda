"""The broker's asyncio adapter: accept, read frames, dispatch in order, write.

Each connection is a KafkaChannel (channel.py), an asyncio protocol that
frames requests out of what it receives, hands each to ``_dispatch`` and
writes the response before it serves the next, so the responses on a
connection leave in request order (Kafka mutes a channel the same way).
Reading is bounded as Kafka's SocketServer bounds it: a frame announcing more
than ``socket.request.max.bytes`` closes its connection before any of its body
is read; the body is kept only once ``queued.max.request.bytes``
(memory_pool.py) has room for it; and a connection whose unsent responses
exceed UNSENT_RESPONSE_BYTES serves no further request until the transport
has drained them. A frame that cannot be decoded, an unknown API key or an
unsupported version closes that connection only, as Kafka's SocketServer
does. A request that decodes but whose handler raises is answered with the
route's error response (Kafka's KafkaApis.handle → getErrorResponse), logged
on one line, and the connection stays open. Nothing is logged with a traceback.

One broker per log directory: ``lock()`` takes the exclusive OS lock on
``<log.dir>/.lock`` (Kafka's LogManager does the same) before anything in the
directory is read or written; ``start()`` takes it when its caller has not.
Whoever runs the broker lets it go with ``unlock()`` after ``stop()``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import traceback
from functools import partial
from pathlib import Path, PurePath
from types import CoroutineType

from kcli import accept_errors
from kcli.broker import dynamic_config, idle_expiry, meta_properties, partition_bounds, security
from kcli.broker.acl import checks as acl_checks
from kcli.broker.acl.authorizer import Authorizer
from kcli.broker.acl.bindings import AclStore
from kcli.broker.config import BrokerConfig
from kcli.broker.channel import UNSENT_RESPONSE_BYTES as UNSENT_RESPONSE_BYTES  # where it was defined before
from kcli.broker.channel import RECEIVE_BYTES, KafkaChannel
from kcli.broker.connection import Connection
from kcli.broker.sasl.credentials import ScramCredentialStore
from kcli.file_lock import FileLock
from kcli.process import ServingThread, serve_in_thread
from kcli.broker.context import BrokerState, RequestContext
from kcli.broker.dispatch import ROUTES
from kcli.broker.group.service import GroupService
from kcli.broker.txn.service import TransactionService
from kcli.broker.handlers import api_versions
from kcli.broker.log.catalog import Catalog
from kcli.broker.log.cleaner import LogCleaner
from kcli.broker.log.flush_policy import FlushSchedule
from kcli.broker.log.flusher import LogFlusher
from kcli.broker.log.log_manager import LogManager
from kcli.broker.memory_pool import MemoryPool
from kcli.broker.wakeup import Wakeup
from kcli.protocol.kafka import frame
from kcli.protocol.kafka.errors import error_code_for

log = logging.getLogger("kcli.broker")
LOCK_FILE = ".lock"  # Kafka's name


class LogDirError(Exception):
    """The log directory cannot be created, read or written."""


class LogDirLocked(LogDirError):
    """Another broker, in this process or another, holds the log directory."""

    def __init__(self, log_dir: Path):
        super().__init__(f"Failed to acquire lock on file {LOCK_FILE} in {os.path.abspath(log_dir)}. "
                         "A Kafka instance in another process or thread is using this directory.")


class _Unanswerable(Exception):
    """A request failed and its API has no error response (Produce with acks=0): Kafka closes the connection."""


class _Unserved(Exception):
    """A request for an API or version kcli does not serve: Kafka closes the connection; the log line says why."""

    def __init__(self, client_id: str | None, message: str):
        super().__init__(message)
        self.client_id = client_id


class Broker:
    def __init__(self, config: BrokerConfig):
        self.config = config
        self.catalog = Catalog(config.log_dir, config.static)
        self.zookeeper = None
        if config.zookeeper_connect:
            from kcli.broker.zookeeper_registration import ZooKeeperRegistration  # kazoo only in ZooKeeper mode

            self.zookeeper = ZooKeeperRegistration(config)
        self.state: BrokerState | None = None
        self._server: asyncio.base_events.Server | None = None  # the first listener's
        self._servers: list[asyncio.base_events.Server] = []  # one per listener
        self.addresses: dict[str, tuple[str, int]] = {}  # listener name -> bound (host, port)
        self._channels: set[KafkaChannel] = set()  # the open client connections (channel.py)
        self._idle_since_ms: dict[KafkaChannel, int] = {}  # connections with no request in progress
        self._expiry: asyncio.Task | None = None
        self.address: tuple[str, int] | None = None
        self._lock = FileLock(config.log_dir / LOCK_FILE)
        self.accept_errors: accept_errors.AcceptErrorLog | None = None
        self.log_manager: LogManager | None = None  # retention, checkpoints, deleting old segments
        self.cleaner: LogCleaner | None = None
        self.request_pool = MemoryPool(config.queued_max_request_bytes)
        self.backpressured = 0  # times a connection stopped reading until its responses drained
        self.receive_scratch = memoryview(bytearray(RECEIVE_BYTES))  # every connection reads into it (channel.py)

    def lock(self) -> None:
        """Take the log directory (creating it); LogDirLocked when another broker holds it."""
        try:
            self.config.log_dir.mkdir(parents=True, exist_ok=True)
            held = self._lock.try_lock()
        except OSError as exc:
            raise self._unwritable(exc) from None
        if not held:
            raise LogDirLocked(self.config.log_dir)

    def unlock(self) -> None:
        self._lock.unlock()

    async def start(self) -> tuple[str, int]:
        """Take the log directory, open the logs, bind the listener (and register with ZooKeeper); returns the bound (host, port)."""
        self.lock()
        try:
            return await self._start()
        except BaseException:
            if self.zookeeper is not None:
                await self.zookeeper.aclose()
            raise

    async def _start(self) -> tuple[str, int]:
        partition_bounds.raise_open_files_limit()
        self.accept_errors = accept_errors.install(log)
        if self.config.dynamic is not None:
            dynamic_config.apply(self.config.dynamic, self.config.static, self.catalog)  # before the logs open
        try:
            if self.zookeeper is not None:
                await self.zookeeper.open(self.catalog)  # raises ZooKeeperError
            else:
                self._verify_meta_properties()
                self.catalog.open(self.config.node_id)
        except OSError as exc:
            raise self._unwritable(exc) from None
        self.catalog.prepare_pending()
        appends = Wakeup()
        flusher = LogFlusher(self.catalog, FlushSchedule.from_properties(self.config.props))
        groups = GroupService(self.catalog, self.config.props, on_append=appends.notify, flush=flusher.flush)
        groups.load(int(time.time() * 1000))
        scram = ScramCredentialStore(self.config.log_dir)
        try:
            scram.load()
        except (OSError, ValueError) as exc:
            raise LogDirError(f"Cannot read SCRAM credentials {scram.path}: {exc}") from None
        acls = AclStore(self.config.log_dir)
        try:
            acls.load()
        except (OSError, ValueError, TypeError) as exc:
            raise LogDirError(f"Cannot read ACLs {acls.path}: {exc}") from None
        authorizer = Authorizer.from_props(self.config.props, acls)
        secured = [security.for_listener(self.config.props, listener, scram) for listener in self.config.listeners]  # SecurityConfigError
        for listener_security in secured:
            listener = listener_security.listener
            server = await asyncio.get_running_loop().create_server(
                partial(KafkaChannel, self, listener_security), listener.host or None, listener.port,
                reuse_address=True, ssl=listener_security.ssl_context,
            )
            self._servers.append(server)
            bound = server.sockets[0].getsockname()
            self.addresses[listener.name] = (bound[0], bound[1])
        self._server = self._servers[0]
        sock = self._server.sockets[0].getsockname()
        self.address = (sock[0], sock[1])
        self.state = BrokerState(
            config=self.config,
            catalog=self.catalog,
            appends=appends,
            advertised_port=self.config.advertised_port or sock[1],
            next_producer_id=int(time.time() * 1000) * 10,
            api_versions=tuple((r.api_key, r.min_version, r.max_version) for r in sorted(ROUTES.values(), key=lambda r: r.api_key)),
            groups=groups,
            flusher=flusher,
            advertised={name: (host, port or self.addresses[name][1]) for name, (host, port) in self.config.advertised.items()},
            scram=scram,
            authorizer=authorizer,
        )
        self.state.txns = TransactionService(self.catalog, self.config.props, groups, self.state.allocate_producer_id,
                                             on_append=appends.notify)
        self.state.txns.load(int(time.time() * 1000))
        groups.start()
        self.state.txns.start()
        flusher.start()
        self.log_manager = LogManager(self.catalog, self.config.props)
        self.log_manager.start()
        if self.config.connections_max_idle_ms >= 0:
            self._expiry = asyncio.create_task(self._expire_idle_connections(self.config.connections_max_idle_ms))
        self.cleaner = LogCleaner(self.catalog, self.config.props)
        self.cleaner.start()
        if self.zookeeper is not None:
            protocols = {listener.name: listener.security_protocol for listener in self.config.listeners}
            endpoints = [(name, protocols[name], h, p) for name, (h, p) in self.state.advertised.items()]
            await self.zookeeper.register(self.config.advertised_host, self.state.advertised_port, endpoints)
        return self.address

    def _verify_meta_properties(self) -> None:
        """KRaft mode: every formatted log directory names one cluster and this node, as Kafka checks at start-up."""
        try:
            meta_properties.verify(meta_properties.directories(self.config.props, self.config.log_dir), self.config.node_id)
        except meta_properties.StorageError as exc:
            raise LogDirError(str(exc)) from None

    def _unwritable(self, exc: OSError) -> LogDirError:
        return LogDirError(
            f"Cannot write to log directory {self.config.log_dir}: {exc.strerror or exc}. "
            "Choose another with --override log.dirs=DIR"
        )

    async def serve_forever(self) -> None:
        await asyncio.gather(*(server.serve_forever() for server in self._servers))

    async def stop(self) -> None:
        if self.cleaner is not None:
            await self.cleaner.stop()
        if self.state is not None:
            await self.state.groups.stop()
            if self.state.txns is not None:
                await self.state.txns.stop()
        for server in self._servers:
            server.close()
        if self._expiry is not None:
            self._expiry.cancel()
            await asyncio.gather(self._expiry, return_exceptions=True)
        channels = list(self._channels)
        for channel in channels:
            channel.abort()  # shutting down: do not wait on a peer that is not reading
        requests = [channel.task for channel in channels if channel.task is not None]
        if requests:
            await asyncio.gather(*requests, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers, self._server = [], None
        if self.zookeeper is not None:
            await self.zookeeper.aclose()
        if self.log_manager is not None:
            await self.log_manager.stop()
        if self.state is not None:
            await self.state.flusher.stop()
        self.catalog.close()

    def _connection_failed(self, peer, exc: Exception) -> None:
        """Log why a connection closes after ``exc`` (a malformed frame, an unserved API, an unexpected error)."""
        if isinstance(exc, (frame.MalformedFrame, _Unanswerable)):
            log.warning("Closing connection from %s: %s", peer, exc)
        elif isinstance(exc, _Unserved):
            log.warning("Closing connection from %s (client '%s'): %s", _address(peer), exc.client_id, exc)
        else:
            log.error("Closing connection from %s after an unexpected error: %s", peer, _one_line(exc))

    def _count_backpressure(self) -> None:
        self.backpressured += 1

    async def _expire_idle_connections(self, max_idle_ms: int) -> None:
        """Close connections idle longer than ``connections.max.idle.ms``: one sweep, at the next possible expiry."""
        next_check_ms = _monotonic_ms() + max_idle_ms + 1
        while True:
            await asyncio.sleep(max(next_check_ms - _monotonic_ms(), 1) / 1000)
            due, next_check_ms = idle_expiry.expired(self._idle_since_ms, _monotonic_ms(), max_idle_ms)
            for channel in due:
                del self._idle_since_ms[channel]
                channel.close()

    async def _dispatch(self, body: bytes | memoryview, connection: Connection) -> bytes | bytearray | list | None:
        head = frame.peek_head(body)
        route = ROUTES.get(head.api_key)
        if route is None:
            raise _Unserved(head.client_id, f"unknown api key {head.api_key} (v{head.api_version})")
        if not route.serves(head.api_version):
            if head.api_key == api_versions.Request.API_KEY:
                return frame.encode_response(api_versions.unsupported(), head.correlation_id)
            name = route.request.__name__.removesuffix("Request")
            raise _Unserved(head.client_id, f"{name} v{head.api_version} is not supported "
                                            f"(served: v{route.implemented_min}\u2013v{route.max_version})")
        request = route.decode(body, head)
        ctx = RequestContext(self.state, head.api_version, head.client_id, int(time.time() * 1000), connection.client_host, connection)
        if self.state.authorizer is not None:
            refused = acl_checks.refused(head.api_key, request, ctx)
            if refused is not None:
                answer = route.error_response(request, ctx, refused)
                return frame.encode_response(answer, head.correlation_id) if answer is not None else None
        try:
            response = route.handle(request, ctx)
            if type(response) is CoroutineType:  # an async handler, or one that has to wait this time (Produce's fsync)
                response = await response
            if response is None:  # acks=0 produce
                return None
            return frame.encode_response_parts(response, head.correlation_id)
        except Exception as exc:
            code = error_code_for(exc)
            log.error(
                "Error handling %s v%d from %s (client id %s, correlation id %d), answered %s: %s",
                route.request.__name__, head.api_version, connection.client_host or "?", head.client_id, head.correlation_id,
                code.name, _one_line(exc),
            )
            response = route.error_response(request, ctx, code)
            if response is None:
                raise _Unanswerable(f"{route.request.__name__} v{head.api_version} failed with {code.name}") from None
            return frame.encode_response(response, head.correlation_id)


def _address(peer) -> str:
    """``host:port`` of a peer address tuple (``?`` when the transport has none)."""
    return f"{peer[0]}:{peer[1]}" if peer else "?"


def _monotonic_ms() -> int:
    return int(time.monotonic() * 1000)


def _one_line(exc: BaseException) -> str:
    """``exc`` as one log line: its type, message and where it was raised (the innermost kcli frame)."""
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "kcli" in PurePath(f.filename).parts] or frames
    if not ours:
        return text
    return f"{text} (at {'/'.join(PurePath(ours[-1].filename).parts[-3:])}:{ours[-1].lineno})"


class RunningBroker(ServingThread):
    """A broker serving on a background thread (tests, quickstart)."""

    @property
    def broker(self) -> Broker:
        return self.server

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def log_dir(self) -> Path:
        return self.broker.config.log_dir


def run_in_thread(config: BrokerConfig) -> RunningBroker:
    """Start a broker on its own thread and event loop; returns once it accepts connections."""
    return serve_in_thread(lambda: Broker(config), "kcli-broker", RunningBroker)
