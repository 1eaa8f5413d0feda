"""The ZooKeeper server's asyncio adapter: accept, read frames, call the core, write, fsync.

One task per connection reads a frame, decodes it, hands it to the pure core
with ``now`` and queues what comes back: watch notifications first, then the
reply, so a client always hears of a change before data that follows it.

Durability, as ZooKeeper's SyncRequestProcessor: while the transaction log
holds entries not yet fsynced, every output (on any connection) waits in one
queue tagged with the log position it depends on; a flusher task, run once
the loop has taken in what was ready, fsyncs and then releases everything the
sync covers, in order. So a write is acknowledged only once it is on disk,
writes that arrive together share one fsync, and no reply carries a zxid that
a crash could take back. The fsync runs on the loop itself, as ZooKeeper's
single SyncRequestProcessor thread does: handing it to a worker thread cost a
single writer a quarter of its throughput (bench/zookeeper.py).

One server per dataDir: ``lock()`` takes an exclusive OS lock on
``<dataDir>/kcli-zookeeper.lock`` before anything there is read or written
(Apache ZooKeeper takes none; kcli does, as Kafka does for its log
directory); ``start()`` takes it when its caller has not. Whoever runs the
server lets it go with ``unlock()`` after ``stop()``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from pathlib import Path

from kcli import accept_errors
from kcli.file_lock import FileLock
from kcli.protocol.zookeeper import errors, frame
from kcli.protocol.zookeeper import opcodes as op
from kcli.process import ServingThread, serve_in_thread
from kcli.zookeeper import four_letter
from kcli.zookeeper.config import ZooKeeperConfig
from kcli.zookeeper.database import Database
from kcli.zookeeper.ops import Connection, Core, Limits
from kcli.zookeeper.sessions import SessionTracker

log = logging.getLogger("kcli.zookeeper")
LOCK_FILE = "kcli-zookeeper.lock"


class DataDirError(Exception):
    """The data directory cannot be created, read or written."""


class DataDirLocked(DataDirError):
    """Another server, in this process or another, holds the data directory."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(os.path.abspath(data_dir))
        super().__init__(f"Failed to acquire lock on file {LOCK_FILE} in {self.data_dir}. "
                         "A ZooKeeper server in another process or thread is using this dataDir.")


def _now() -> int:
    return int(time.time() * 1000)


class _Peer:
    """One client socket: its writer and the core's view of it."""

    __slots__ = ("writer", "conn", "closing", "closed")

    def __init__(self, writer: asyncio.StreamWriter, conn: Connection):
        self.writer = writer
        self.conn = conn
        self.closing = False  # a close is queued: read no more requests
        self.closed = False

    def send(self, data: bytes | None) -> None:
        if self.closed:
            return
        if data is None:
            self.closed = True
            self.writer.close()
            return
        self.writer.write(data)


class ZooKeeperServer:
    def __init__(self, config: ZooKeeperConfig):
        self.config = config
        self.stats = four_letter.ServerStats()
        self.core: Core = None  # type: ignore[assignment]  # set by start(); the connections come after
        self.port: int = 0
        self.address: tuple[str, int] | None = None
        self.recovered_txns = 0
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._peers: dict[Connection, _Peer] = {}
        self._by_session: dict[int, _Peer] = {}
        self._pending: deque = deque()  # (log position, peer, bytes or None to close)
        self._synced = 0
        self._flush_scheduled = False
        self._ticker: asyncio.Task | None = None
        self._lock = FileLock(config.data_dir / LOCK_FILE)

    def lock(self) -> None:
        """Take the data directory (creating it); DataDirLocked when another server holds it."""
        try:
            self.config.data_dir.mkdir(parents=True, exist_ok=True)
            held = self._lock.try_lock()
        except OSError as exc:
            raise self._unwritable(exc) from None
        if not held:
            raise DataDirLocked(self.config.data_dir)

    def unlock(self) -> None:
        self._lock.unlock()

    def _unwritable(self, exc: OSError) -> DataDirError:
        return DataDirError(
            f"Unable to access datadir {self.config.data_dir}: {exc.strerror or exc}. "
            "Set dataDir in zookeeper.properties to a writable directory"
        )

    @property
    def connections(self) -> list[Connection]:
        return list(self._peers)

    async def start(self) -> tuple[str, int]:
        """Take and recover the data directory, bind the client port; returns the bound (host, port)."""
        self.lock()
        c = self.config
        accept_errors.install(log)
        now = _now()
        sessions = SessionTracker(c.tick_time, c.min_session_timeout, c.max_session_timeout, now)
        db = Database(c.data_dir, sessions, c.snap_count, c.snap_retain_count)
        try:
            db.open(now)
        except OSError as exc:
            raise self._unwritable(exc) from None
        self.recovered_txns = db.recovered_txns
        self.core = Core(db, Limits(c.tick_time, c.min_session_timeout, c.max_session_timeout, c.super_digest))
        self.stats.started = now
        try:
            # asyncio's default sets SO_REUSEADDR on POSIX only: on Windows it would let two servers share a port
            self._server = await asyncio.start_server(self._serve, c.client_port_address or None, c.client_port)
        except OSError:
            db.close(clean=False)
            raise
        self.port = self._server.sockets[0].getsockname()[1]
        self.address = (c.client_port_address or "0.0.0.0", self.port)  # no clientPortAddress: every interface
        self._ticker = asyncio.create_task(self._expire_sessions())
        return self.address

    async def serve_forever(self) -> None:
        assert self._server is not None, "start() first"
        await self._server.serve_forever()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._ticker is not None:
            self._ticker.cancel()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.core is not None:
            self._flush()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        if self.core is not None:
            self.core.db.close(clean=True)

    # -- output and group commit --------------------------------------------------

    def _emit(self, peer: _Peer, data: bytes | None) -> None:
        """Send ``data`` (None: close) to ``peer`` now, or after the fsync it depends on."""
        if data is None:
            peer.closing = True
        db = self.core.db
        if db.appended == self._synced and not self._pending:
            peer.send(data)
            if data is not None:
                self._after_write(peer)
            return
        self._pending.append((db.appended, peer, data))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _after_write(self, peer: _Peer) -> None:
        transport = peer.writer.transport
        if transport is not None and transport.get_write_buffer_size() > 4 << 20:
            log.warning("Closing a connection that does not read its replies (%s)", peer.conn.client_ip)
            peer.send(None)

    def _flush(self) -> None:
        """fsync what the log holds, then release every output waiting for it, in order."""
        self._flush_scheduled = False
        db = self.core.db
        if db.appended > self._synced:
            db.sync()
            self._synced = db.appended
        while self._pending:
            _, peer, data = self._pending.popleft()
            peer.send(data)
        if db.snapshot_due():
            db.take_snapshot()
            self._synced = db.appended

    # -- connections --------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # a connection is served by a task of its own
        self._tasks.add(task)
        peer_name = writer.get_extra_info("peername") or ("?", 0)
        conn = Connection(str(peer_name[0]), int(peer_name[1]))
        peer = _Peer(writer, conn)
        try:
            if self._too_many(conn.client_ip):
                log.warning("Too many connections from /%s - max is %d", conn.client_ip, self.config.max_client_cnxns)
                return
            self._peers[conn] = peer
            prefix = await reader.readexactly(4)
            word = frame.four_letter_word(prefix)
            if word is not None:
                self._peers.pop(conn, None)
                writer.write(four_letter.reply(word, self, _now()).encode("utf-8"))
                await writer.drain()
                return
            body = await reader.readexactly(frame.frame_size(prefix))
            if not self._connect(peer, body):
                return
            while not peer.closing:
                prefix = await reader.readexactly(4)
                body = await reader.readexactly(frame.frame_size(prefix))
                self._request(peer, body)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except frame.MalformedFrame as exc:
            log.warning("Closing connection from %s: %s", conn.client_ip, exc)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("Closing connection from %s after an unexpected error", conn.client_ip)
        finally:
            self._tasks.discard(task)
            self._peers.pop(conn, None)
            if self.core is not None:
                self.core.drop(conn)
            if conn.session_id and self._by_session.get(conn.session_id) is peer:
                del self._by_session[conn.session_id]
            if not peer.closing:
                self._emit(peer, None)

    def _too_many(self, ip: str) -> bool:
        limit = self.config.max_client_cnxns
        return limit > 0 and sum(1 for c in self._peers if c.client_ip == ip) >= limit

    def _connect(self, peer: _Peer, body: bytes) -> bool:
        request, read_only = frame.decode_connect(body)
        response = self.core.connect(peer.conn, request, _now())
        if response is None:
            log.info("Refusing session request: client's last zxid 0x%x is ahead of the server's 0x%x",
                     request.lastZxidSeen, self.core.zxid)
            return False
        self._emit(peer, frame.encode_connect_response(response, read_only))
        if response.timeOut <= 0:
            self._emit(peer, None)
            return False
        old = self._by_session.get(response.sessionId)
        if old is not None and old is not peer:
            self._emit(old, None)  # the session moved to this connection
        self._by_session[response.sessionId] = peer
        return True

    def _request(self, peer: _Peer, body: bytes) -> None:
        started = time.perf_counter()
        conn, core = peer.conn, self.core
        self.stats.received += 1
        conn.received += 1
        now = _now()
        try:
            request = frame.decode_request(body)
        except frame.UnknownOpcode as exc:
            self._emit(peer, frame.encode_reply(exc.xid, -1, errors.UNIMPLEMENTED))
            self._emit(peer, None)
            return
        core.touch(conn, now)
        result = core.handle(conn, request, now)
        self._notify(result.notifications)
        if result.multi:
            data = frame.encode_multi_reply(result.xid, result.zxid, result.record)
        else:
            data = frame.encode_reply(result.xid, result.zxid, result.err, result.record)
        self._emit(peer, data)
        self.stats.sent += 1
        conn.sent += 1
        if result.close:
            self._emit(peer, None)
        for session_id in result.closed_sessions:
            self._by_session.pop(session_id, None)
        latency = int((time.perf_counter() - started) * 1000)
        self.stats.record(latency)
        conn.last_op = op.NAMES.get(request.opcode, "NA")
        conn.last_cxid, conn.last_zxid, conn.last_latency = request.xid, result.zxid, latency
        conn.min_latency = min(conn.min_latency, latency) if conn.received > 1 else latency
        conn.max_latency = max(conn.max_latency, latency)
        conn.total_latency += latency

    def _notify(self, notes) -> None:
        for watcher, event, path in notes:
            target = self._peers.get(watcher)
            if target is not None:
                self._emit(target, frame.encode_event(event, path))
                self.stats.sent += 1

    async def _expire_sessions(self) -> None:
        """Expire silent sessions every tick (at most every second); reap empty containers every checkInterval."""
        interval = min(self.config.tick_time, 1000) / 1000
        next_reap = _now() + self.config.container_check_ms
        while True:
            await asyncio.sleep(interval)
            now = _now()
            expired, notes = self.core.expire(now)
            self._notify(notes)
            if now >= next_reap:
                self._notify(self.core.reap_containers(now))
                next_reap = now + self.config.container_check_ms
            for session_id in expired:
                log.info("Expiring session 0x%x, timeout exceeded", session_id)
                peer = self._by_session.pop(session_id, None)
                if peer is not None:
                    self._emit(peer, None)


class RunningZooKeeper(ServingThread):
    """A ZooKeeper server serving on a background thread (tests)."""

    @property
    def connect_string(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"{host}:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.server.config.data_dir


def run_in_thread(config: ZooKeeperConfig) -> RunningZooKeeper:
    """Start a server on its own thread and event loop; returns once it accepts connections."""
    return serve_in_thread(lambda: ZooKeeperServer(config), "kcli-zookeeper", RunningZooKeeper)
