"""Free loopback ports, for the few tests that need a port number before anything listens on it.

Everything else binds port 0 and reads the port back. A probed port can be taken by someone else
before it is used: callers that start a server on it retry (see tests/zk_real.py).
"""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback TCP port nothing listened on a moment ago (nothing does once the probe closes)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
