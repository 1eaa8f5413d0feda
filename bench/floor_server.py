"""The floor under the request-level phases: a server that does nothing but answer.

    python bench/floor_server.py        # prints its port, serves until killed

An asyncio server on 127.0.0.1 that reads Kafka-framed requests (int32 size, body) the way kcli's broker
reads them, into a buffer of its own (asyncio.BufferedProtocol), and answers each with fixed bytes, as
many as an empty Fetch response carries. Its CPU per request is what the event loop and the kernel cost
one request in flight, on this machine, at this moment: bench/request_cost.py measures it in the same
blocks as the brokers, so a broker's figure can be read as the floor plus the broker's own work.
"""

from __future__ import annotations

import asyncio
import struct

ANSWER = struct.pack(">i", 75) + bytes(75)


class Floor(asyncio.BufferedProtocol):
    def __init__(self) -> None:
        self.buffer = bytearray(1 << 16)
        self.end = 0

    def connection_made(self, transport) -> None:
        self.transport = transport

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
            self.transport.write(ANSWER)
        if start:
            self.buffer[: self.end - start] = self.buffer[start : self.end]
            self.end -= start


async def main() -> None:
    server = await asyncio.get_running_loop().create_server(Floor, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
