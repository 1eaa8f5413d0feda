"""ZooKeeper fixtures: the pure core on a temporary dataDir, and a real server on port 0."""

from __future__ import annotations

import pytest

from kcli.protocol.zookeeper import frame
from kcli.protocol.zookeeper.records import ConnectRequest
from kcli.zookeeper.config import ZooKeeperConfig
from kcli.zookeeper.database import Database
from kcli.zookeeper.ops import Connection, Core, Limits
from kcli.zookeeper.server import run_in_thread
from kcli.zookeeper.sessions import SessionTracker

T0 = 1_800_000_000_000  # ms; tests drive time by passing ``now``


def make_core(data_dir, now=T0, tick=2000, snap_count=100_000) -> Core:
    sessions = SessionTracker(tick, 2 * tick, 20 * tick, now)
    db = Database(data_dir, sessions, snap_count)
    db.open(now)
    return Core(db, Limits(tick, 2 * tick, 20 * tick, "super:D/InIHSb7yEEbrWz8b9l71RjZJU="))


class Client:
    """One connection to a pure core: requests as frames in, results back; records events it hears."""

    def __init__(self, core: Core, now=T0, timeout=10000, ip="127.0.0.1"):
        self.core = core
        self.conn = Connection(ip)
        self.xid = 0
        response = core.connect(self.conn, ConnectRequest(0, 0, timeout, 0, bytes(16)), now)
        self.session_id = response.sessionId
        self.passwd = response.passwd

    def call(self, opcode, record, now=T0):
        self.xid += 1
        request = frame.decode_request(frame.encode_request(self.xid, opcode, record)[4:])
        return self.core.handle(self.conn, request, now)


@pytest.fixture
def core(tmp_path):
    core = make_core(tmp_path / "zk")
    yield core
    core.db.close(clean=False)


@pytest.fixture
def zookeeper(tmp_path):
    """A running server with every four-letter word allowed; ``zookeeper.connect_string`` is its host:port."""
    running = run_in_thread(ZooKeeperConfig.from_properties({
        "dataDir": str(tmp_path / "zk"), "clientPort": "0", "clientPortAddress": "127.0.0.1", "tickTime": "2000",
        "4lw.commands.whitelist": "*",
    }))
    yield running
    running.stop()
