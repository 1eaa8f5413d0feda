"""The bootstrap servers a tool is given: Kafka's rules for reading them, and a wait for one to answer.

``--bootstrap-server`` is Kafka's ``bootstrap.servers`` list: entries split on
commas (spaces around them dropped), empty entries skipped, each entry
``[scheme://]host:port`` or ``[scheme://][ipv6]:port`` with a host of letters,
digits and ``-%._:`` — Kafka's ``Utils.getHost``/``getPort`` with its host check. Kafka's ``ClientUtils`` words the
failures: ``Invalid url in bootstrap.servers: X`` (no host:port),
``Invalid port in bootstrap.servers: X`` (not 0–65535) and, when nothing is
left or nothing resolves, ``No resolvable bootstrap urls given in bootstrap.servers``.

``wait_for_broker`` connects (TCP only, closed at once) until one server, at
any of its addresses, accepts. When a round of attempts is refused everywhere
it is reported once through ``on_refused`` with Kafka's NetworkClient text,
then retried every ``RETRY_BACKOFF_S`` until the tool's timeout; kafka-python's
clients would otherwise retry silently.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass
from typing import Callable

from kcli.tools.errors import ToolError

RETRY_BACKOFF_S = 0.25  # between connection attempts to a server that refused (Kafka: reconnect.backoff.ms grows from 50)
_HOST_PORT = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+)")  # Kafka's Utils.getHost/getPort


class BrokerNotAvailable(ToolError):
    """No bootstrap server accepted a connection within the tool's timeout."""


@dataclass(frozen=True)
class BootstrapServer:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Refused:
    """A server that did not accept a connection, named as Kafka's NetworkClient names it."""

    server: BootstrapServer
    address: str | None  # the resolved IP address

    @property
    def warning(self) -> str:
        host = "" if self.server.host == self.address else self.server.host  # Java's InetSocketAddress: "/127.0.0.1:9092" for an IP
        where = f"{host}/{self.address}:{self.server.port}" if self.address else str(self.server)
        return f"Connection to node -1 ({where}) could not be established. Broker may not be available."


def parse(text: str) -> list[BootstrapServer]:
    """The servers in a ``bootstrap.servers`` value; ToolError in Kafka's words when one is malformed."""
    servers = []
    for url in (part.strip() for part in text.split(",")):
        if not url:
            continue
        match = _HOST_PORT.fullmatch(url)
        if match is None or not match.group(1):
            raise ToolError(f"Invalid url in bootstrap.servers: {url}")
        port = int(match.group(2))
        if port > 65535:
            raise ToolError(f"Invalid port in bootstrap.servers: {url}")
        servers.append(BootstrapServer(match.group(1), port))
    if not servers:
        raise ToolError("No resolvable bootstrap urls given in bootstrap.servers")
    return servers


def normalize(text: str) -> str:
    """``text`` checked and written as kafka-python takes it: ``host:port,host:port``."""
    return ",".join(map(str, parse(text)))


def wait_for_broker(text: str, timeout_ms: int, on_refused: Callable[[Refused], None] | None, on_unresolved=None,
                    now=time.monotonic, sleep=time.sleep) -> int:
    """Block until one of the servers accepts a TCP connection; the milliseconds of ``timeout_ms`` left.

    ``on_refused`` is called once, at the first refusal; ``on_unresolved(server)``
    for each server whose name does not resolve. Raises ToolError when no server
    resolves, BrokerNotAvailable when none accepts within ``timeout_ms``.
    """
    servers = parse(text)
    deadline = now() + timeout_ms / 1000
    addresses: dict[BootstrapServer, list[tuple[str, int]]] = {}
    for server in servers:
        try:
            found = socket.getaddrinfo(server.host, server.port, type=socket.SOCK_STREAM)
            addresses[server] = list(dict.fromkeys((str(info[4][0]), int(info[4][1])) for info in found))
        except (socket.gaierror, UnicodeError):
            if on_unresolved is not None:
                on_unresolved(server)
    if not addresses:
        raise ToolError("No resolvable bootstrap urls given in bootstrap.servers")
    reported = False
    while True:
        for server, resolved in addresses.items():
            for address in resolved:  # localhost may be ::1 and 127.0.0.1: a broker on either will do
                remaining = deadline - now()
                if remaining <= 0:
                    break
                try:
                    socket.create_connection(address, timeout=min(remaining, 2.0)).close()
                    return max(1, int((deadline - now()) * 1000))
                except OSError:
                    pass
        if not reported and on_refused is not None:
            reported = True
            first = next(iter(addresses.items()))
            on_refused(Refused(first[0], first[1][0][0]))
        remaining = deadline - now()
        if remaining <= 0:
            raise BrokerNotAvailable(f"Timed out waiting for a broker at {','.join(map(str, servers))} after {timeout_ms} ms")
        sleep(min(RETRY_BACKOFF_S, remaining))
