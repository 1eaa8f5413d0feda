"""The floor under the request-level phases: a server that does nothing but answer.

    python bench/floor_server.py [--sendfile FILE]   # prints its port, serves until killed

An asyncio server on 127.0.0.1 that reads Kafka-framed requests (int32 size, body) the way kcli's broker
reads them, into a buffer of its own (asyncio.BufferedProtocol), and answers each with fixed bytes, as
many as an empty Fetch response carries; with ``--sendfile``, with those bytes as the head of a frame
whose rest is the whole FILE, sent as kcli sends a fetched range: the head with MSG_MORE, then
``os.sendfile`` (the rest, if the socket has no room, with ``loop.sendfile``). Its CPU per request is what the event loop and the kernel cost
one request in flight, on this machine, at this moment: bench/request_cost.py measures it in the same
blocks as the brokers, so a broker's figure can be read as the floor plus the broker's own work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import struct

HEAD = 75


class Floor(asyncio.BufferedProtocol):
    def __init__(self, fd: int | None, size: int) -> None:
        self.buffer = bytearray(1 << 16)
        self.end = 0
        self.fd, self.size = fd, size
        self.answer = struct.pack(">i", HEAD + size) + bytes(HEAD)

    def connection_made(self, transport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")  # asyncio's wrapper has no send(): a socket on its descriptor
        self.raw = socket.socket(sock.family, sock.type, fileno=sock.fileno())

    def connection_lost(self, exc) -> None:
        self.raw.detach()  # the descriptor is the transport's to close

    def get_buffer(self, sizehint: int) -> memoryview:
        return memoryview(self.buffer)[self.end:]

    def buffer_updated(self, nbytes: int) -> None:
        self.end += nbytes
        start = 0
        while self.end - start >= 4:
            (size,) = struct.unpack_from(">i", self.buffer, start)
            if self.end - start < 4 + size:
                break
            start += 4 + size
            if self.fd is None:
                self.transport.write(self.answer)
            else:
                self._send_file()
        if start:
            self.buffer[: self.end - start] = self.buffer[start : self.end]
            self.end -= start

    def _send_file(self) -> None:
        fd = self.raw.fileno()
        self.raw.send(self.answer, socket.MSG_MORE)  # a fresh connection's buffer takes 79 bytes whole
        try:
            sent = os.sendfile(fd, self.fd, 0, self.size)
        except BlockingIOError:
            sent = 0
        if sent < self.size:
            asyncio.ensure_future(self._send_rest(sent))

    async def _send_rest(self, sent: int) -> None:
        with open(self.fd, "rb", closefd=False) as file:
            await asyncio.get_running_loop().sendfile(self.transport, file, sent, self.size - sent)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sendfile", help="answer each request with this file's bytes after the head")
    args = parser.parse_args()
    fd = os.open(args.sendfile, os.O_RDONLY) if args.sendfile else None
    size = os.fstat(fd).st_size if fd is not None else 0
    server = await asyncio.get_running_loop().create_server(lambda: Floor(fd, size), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
