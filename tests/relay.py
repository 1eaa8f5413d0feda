"""A TCP relay that stands in for a server's address while the server restarts.

Apache ZooKeeper 3.8 now and then accepts a connection while it starts and never answers it (2 of 5
start-ups when probed every 10 ms), which holds a client for its whole connect timeout (the session
timeout), which can outlast the session itself. A test that restarts it gives clients the relay's address
and opens the relay only once the new server serves, so it tests the client, not that race.
"""

from __future__ import annotations

import socket
import threading


class Relay:
    """A TCP relay on its own loopback port to ``target``: the address a client uses for a server that restarts.

    ``close()`` drops every relayed connection and refuses new ones, as a stopped server does; ``open()``
    takes connections again on the same port.
    """

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.open()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def open(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept, args=(self._listener,), daemon=True)
        self._acceptor.start()

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
            self._acceptor.join()  # the port is free only once its accept() returns
        for sock in self._sockets:
            _hang_up(sock)
        self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        _hang_up(sink)


def _hang_up(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked in recv; close alone would not
    except OSError:
        pass
    sock.close()
