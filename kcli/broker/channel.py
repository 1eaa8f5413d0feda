"""KafkaChannel: one client connection, an asyncio.Protocol that frames requests out of its receive buffer.

A frame is ``int32 size`` + ``size`` bytes (kcli/protocol/kafka/frame.py). The
channel serves one request at a time, in arrival order, and writes each
response before it starts the next, so responses leave in request order (Kafka
mutes a channel the same way): a Fetch that long-polls holds back every later
request of its connection. Frames that arrive meanwhile wait in the buffer;
past ``_HELD_BYTES`` unserved the channel stops reading from the socket.

Bytes arrive in the broker's one receive buffer (``receive_scratch``: read
into, never allocated per read) and frames are served from there; only the
bytes of a frame not complete yet, or arriving while a request is in
progress, are kept in the channel's own buffer.

A request runs by hand from ``buffer_updated`` until it first has to wait: a
Produce that needs no fsync or a Fetch with data ready (or ``max_wait_ms=0``)
finishes there, answered without an asyncio Task or a loop round. Only a
request that waits (a long poll, an fsync, a rebalance, a sendfile, a drain)
continues as a Task, from where it stopped (``_Started``).

The bounds are Kafka's SocketServer's, as server.py states them: a size over
``socket.request.max.bytes`` closes the connection before any of its body is
kept; a body is kept only once ``queued.max.request.bytes`` (memory_pool.py)
has room for it, the bytes going back once its response is written; a
connection whose unsent responses exceed ``UNSENT_RESPONSE_BYTES`` serves no
further request until the transport has drained them. On a SASL listener the
frames go to the authenticator (kcli/broker/sasl/) until it names a principal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from kcli.broker import sendfile_writer
from kcli.broker.connection import ANONYMOUS, Connection, certificate_principal
from kcli.broker.dispatch import ROUTES
from kcli.broker.principal_mapping import NoMatchingRule
from kcli.broker.sasl.authenticator import AuthenticationFailure, SaslAuthenticator
from kcli.protocol.kafka import frame

if TYPE_CHECKING:
    from kcli.broker import security
    from kcli.broker.server import Broker

log = logging.getLogger("kcli.broker")
UNSENT_RESPONSE_BYTES = 1 << 20  # past this, a connection's next request waits until its responses drain
_HELD_BYTES = 128 * 1024  # unserved bytes held while a request is in progress before reading pauses (asyncio streams hold as much)
RECEIVE_BYTES = 256 * 1024  # the most one read takes (as asyncio's own transports read)
_HANDOVER_BYTES = 64 * 1024  # a frame this large is served from the buffer it arrived in, not copied out
_KEPT_BYTES = 4 * RECEIVE_BYTES  # a connection's buffer keeps its room between frames up to this
_CLOSE_GRACE_S = 1.0  # how long a connection that failed authentication waits for its client to close it


class KafkaChannel(asyncio.BufferedProtocol):
    connection: Connection  # set once accepted

    def __init__(self, broker: Broker, listener_security: security.ListenerSecurity):
        self._broker = broker
        self._security = listener_security
        self.transport: Any = None
        self._authenticator: SaslAuthenticator | None = None  # until SASL authentication completes, on a SASL listener
        # bytes received and not served yet, when they could not be served as they arrived: _buffer[_start:_end]
        # (its length is its capacity, kept between frames up to _KEPT_BYTES: shrinking and growing it for each
        # large frame gave the heap back and took it again, page faults and all)
        self._buffer = bytearray()
        self._start = self._end = 0
        self._size = -1  # the announced size of the frame being received; -1 before its prefix has arrived
        self._allocated = 0  # request-pool bytes taken for that frame
        self.task: asyncio.Task | None = None  # the request (or the wait for memory) that had to wait
        self._open = False  # accepted and not closed by either side
        self._eof = False
        self._write_paused = False
        self._drain_waiter: asyncio.Future | None = None
        self._peer_waiter: asyncio.Future | None = None  # data or end of stream from the peer (authentication failure)
        self._peer = None
        self._tls = False

    # asyncio.Protocol

    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = self._peer = transport.get_extra_info("peername")
        tls = transport.get_extra_info("ssl_object")
        self._tls = tls is not None
        try:
            principal = certificate_principal(tls.getpeercert(), self._security.principal_mapper) if tls is not None else ANONYMOUS
        except NoMatchingRule as exc:
            log.info("Failed authentication with /%s (%s)", peer[0] if peer else "?", exc)
            transport.close()
            return
        listener = self._security.listener
        self.connection = Connection(listener, f"/{peer[0]}" if peer else "", principal)
        if listener.uses_sasl:
            self._authenticator = self._security.authenticator()
        self._open = True
        self._broker._channels.add(self)
        self._broker._idle_since_ms[self] = _monotonic_ms()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._broker.receive_scratch

    def buffer_updated(self, nbytes: int) -> None:
        waiter = self._peer_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if not self._open:
            return
        scratch = self._broker.receive_scratch
        if self._end > self._start or self.task is not None:
            self._hold(scratch[:nbytes])
            if self.task is None:
                self._process()
            elif self._end - self._start > _HELD_BYTES:
                self.transport.pause_reading()
            return
        served = self._serve_frames(scratch, nbytes)  # the usual case: whole frames, served from where they arrived
        if served < nbytes and self._open:
            self._hold(scratch[served:nbytes])  # the scratch is the next read's: keep the rest
        self._flow()

    def _hold(self, data: memoryview) -> None:
        """Keep ``data`` after the bytes held already, in place (the buffer grows only when full)."""
        buffer, start, end = self._buffer, self._start, self._end
        if start == end:
            start = end = 0
        elif start and end + len(data) > len(buffer):
            buffer[: end - start] = buffer[start:end]  # move the held bytes to the front, in place
            start, end = 0, end - start
        buffer[end : end + len(data)] = data
        self._start, self._end = start, end + len(data)

    def eof_received(self) -> bool:
        self._eof = True  # frames already received are still served, as a stream reader would go on reading them
        waiter = self._peer_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self.task is None and self._open:
            self._process()
        return not self._tls  # an SSL transport closes at the end of stream whatever this says

    def connection_lost(self, exc: Exception | None) -> None:
        self._open = False
        broker = self._broker
        broker._channels.discard(self)
        broker._idle_since_ms.pop(self, None)
        if self._allocated:  # a frame that was not complete
            broker.request_pool.release(self._allocated)
            self._allocated = 0
        for waiter in (self._drain_waiter, self._peer_waiter):
            if waiter is not None and not waiter.done():
                waiter.set_exception(ConnectionResetError("Connection lost"))
                waiter.exception()  # retrieved: nobody may be waiting on it any more
        # a request in progress finishes on its own (its response is dropped); waiting for memory ends here
        if self.task is not None and self._size >= 0:
            self.task.cancel()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # what sendfile_writer and the idle sweep need of a connection

    def write(self, data) -> None:
        self.transport.write(data)

    async def drain(self) -> None:
        await self._drain()

    def get_extra_info(self, name: str, default=None):
        return self.transport.get_extra_info(name, default)

    def close(self) -> None:
        """Close once the unsent responses are written (connections.max.idle.ms)."""
        self._open = False
        self.transport.close()

    def abort(self) -> None:
        """Shutting down: drop the connection now, cancelling its request in progress."""
        self._open = False
        if self.task is not None:
            self.task.cancel()
        self.transport.abort()

    # serving

    def _process(self) -> None:
        """Serve the complete frames held in the buffer."""
        buffer = self._buffer
        with memoryview(buffer) as view:  # frames are copied out of it once (a bytearray's slice would be one more copy)
            self._start += self._serve_frames(view[self._start : self._end], self._end - self._start, handover=True)
            if self._buffer is not buffer:  # a large frame took the buffer with it: keep what follows it apart
                self._buffer = bytearray(view[self._start : self._end])
                self._start, self._end = 0, len(self._buffer)
        if self._start == self._end and len(self._buffer) > _KEPT_BYTES:
            self._buffer = bytearray()  # a large frame's room is not kept
            self._start = self._end = 0
        self._flow()

    def _serve_frames(self, data: memoryview, end: int, handover: bool = False) -> int:
        """Serve the complete frames in ``data[:end]``, one at a time, until one has to wait or they run out;
        how many bytes were taken. With ``handover`` (``data`` is a view of the channel's buffer), a frame of
        ``_HANDOVER_BYTES`` or more is served as a view of the buffer, which goes with it (no copy)."""
        broker = self._broker
        pos = 0
        while self.task is None and self._open:
            size = self._size
            if size < 0:
                if end - pos < 4:
                    break
                try:
                    size = frame.frame_size(data[pos : pos + 4], broker.config.socket_request_max_bytes)
                except frame.MalformedFrame as exc:  # FrameTooLarge: closed with its body unread
                    log.warning("Closing connection from %s: %s", self._peer, exc)
                    self.close()
                    return end
                pos += 4
                self._size = size
                pool = broker.request_pool
                if self._authenticator is None and pool.bounded:
                    if not pool.allocate_now(size):
                        self._run(self._allocate(size))
                        continue
                    self._allocated = size
            if end - pos < size:
                break
            if handover and size >= _HANDOVER_BYTES and self._authenticator is None:
                body: bytes | memoryview = data[pos : pos + size]
                self._buffer = bytearray()  # the request owns the old one now (its records are views of it)
            else:
                body = bytes(data[pos : pos + size])
            pos += size
            self._size = -1
            held, self._allocated = self._allocated, 0
            broker._idle_since_ms.pop(self, None)
            self._run(self._request(body, held))
        return pos

    def _flow(self) -> None:
        """Read on while requests can be served; pause while one is in progress and much is held; close after the peer's end."""
        if not self._open:
            return
        if self.task is not None:
            if self._end - self._start > _HELD_BYTES:
                self.transport.pause_reading()
        elif self._eof:
            self.close()  # nothing more will complete a frame
        elif not self.transport.is_reading():
            self.transport.resume_reading()

    def _run(self, coro) -> None:
        """Run ``coro`` by hand; if it has to wait, it goes on as this channel's task and the channel waits for it."""
        try:
            waited = coro.send(None)
        except StopIteration:
            return
        self.task = task = asyncio.get_running_loop().create_task(_resume(_Started(coro, waited)))
        task.add_done_callback(self._waited)

    def _waited(self, task: asyncio.Task) -> None:
        self.task = None
        failed = task.cancelled() or task.exception()  # (a request's own errors are handled in _request)
        if failed:
            if isinstance(failed, Exception):
                self._broker._connection_failed(self._peer, failed)
            if self._open:
                self.transport.abort()
            return
        if self._open:
            self._process()

    async def _allocate(self, size: int) -> None:
        await self._broker.request_pool.allocate(size)
        self._allocated = size

    async def _request(self, body: bytes | memoryview, held: int) -> None:
        broker = self._broker
        try:
            if self._authenticator is not None:
                await self._authenticate(self._authenticator, bytes(body))  # small frames: bytes already
                return
            try:
                out = await broker._dispatch(body, self.connection)
            finally:
                if held:
                    broker.request_pool.release(held)
            if out and not self._open:  # the connection went while the request waited: nothing to answer
                if type(out) is list:
                    sendfile_writer.discard(out)
            elif out:
                transport = self.transport
                if type(out) is list:  # a response with file ranges in it (a Fetch's records)
                    await sendfile_writer.write(self, out, broker._count_backpressure)
                else:
                    transport.write(out)
                if transport.get_write_buffer_size() > UNSENT_RESPONSE_BYTES:
                    broker.backpressured += 1
                    await self._drain()
            if self._open:
                broker._idle_since_ms[self] = _monotonic_ms()
        except ConnectionError:
            self.close()
        except Exception as exc:
            broker._connection_failed(self._peer, exc)
            self.close()

    async def _drain(self) -> None:
        """Wait until the transport's buffer is below its low-water mark (as StreamWriter.drain)."""
        if not self._open and self.transport.is_closing():
            raise ConnectionResetError("Connection lost")
        if not self._write_paused:
            return
        self._drain_waiter = waiter = asyncio.get_running_loop().create_future()
        try:
            await waiter
        finally:
            self._drain_waiter = None

    async def _authenticate(self, authenticator: SaslAuthenticator, body: bytes) -> None:
        """One frame of the SASL exchange (kcli/broker/sasl/authenticator.py); the channel serves requests once it names a principal."""
        broker = self._broker
        connection = self.connection
        if authenticator.wants_dispatch(body):
            out = await broker._dispatch(body, connection)
            user = None
        else:
            try:
                out, user = authenticator.receive(body, ROUTES)
            except AuthenticationFailure as failure:
                log.info("Failed authentication with %s (%s)", connection.client_host, failure)
                if failure.delayed:
                    await asyncio.sleep(broker.config.failed_authentication_delay_ms / 1000)
                if failure.response and self._open:
                    self.transport.write(failure.response)
                    await self._drain()
                    # Let the client close first (bounded): kafka-python drops a response that arrives with the end of stream
                    if not self._eof and self._open:
                        self._peer_waiter = asyncio.get_running_loop().create_future()
                        with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
                            await asyncio.wait_for(self._peer_waiter, _CLOSE_GRACE_S)
                self.close()
                return
        if out and self._open:
            self.transport.write(out)
        if user is not None:
            connection.principal = f"User:{user}"
            self._authenticator = None
        if self._open:
            broker._idle_since_ms[self] = _monotonic_ms()  # connections.max.idle.ms closes a silent one here too


class _Started:
    """The rest of a coroutine that was run by hand until it first waited (on ``waited``): awaiting this resumes it."""

    __slots__ = ("_coro", "_waited")

    def __init__(self, coro, waited):
        self._coro = coro
        self._waited = waited

    def __await__(self):
        coro, value = self._coro, self._waited
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # a cancellation, or an exception a future delivered
                try:
                    value = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    value = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


async def _resume(started: _Started):
    return await started


def _monotonic_ms() -> int:
    return int(time.monotonic() * 1000)
