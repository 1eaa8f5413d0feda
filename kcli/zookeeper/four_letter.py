"""Four-letter words (``ruok``, ``srvr``, ``stat``, ``conf``, ``cons``, ``envi``, ``mntr``, ``wchs``, …).

They share the client port: a fresh connection whose first 4 bytes spell one
gets plain text back and is closed. Only words in ``4lw.commands.whitelist``
run (default ``srvr``); others get ZooKeeper's refusal sentence. Replies are
laid out as ZooKeeper 3.8 lays them out (ServerStats.toString,
ServerCnxn.dumpConnectionInfo, the EnviCommand, MonitorCommand, …).
"""

from __future__ import annotations

import os
import platform
import socket
import sys
from dataclasses import dataclass, field

from kcli import __version__

ZOOKEEPER_VERSION = "3.8.4"  # the protocol level served; kazoo's server_version() reads the leading digits
FULL_VERSION = f"{ZOOKEEPER_VERSION}-kcli-{__version__}, built on kcli {__version__}"


@dataclass
class ServerStats:
    """Counters the server loop keeps; reset by ``srst``."""

    received: int = 0
    sent: int = 0
    min_latency: int = 0
    max_latency: int = 0
    total_latency: int = 0
    count: int = 0
    started: int = 0
    outstanding: int = 0
    extra: dict = field(default_factory=dict)

    def record(self, latency_ms: int) -> None:
        self.total_latency += latency_ms
        self.count += 1
        self.min_latency = latency_ms if self.count == 1 else min(self.min_latency, latency_ms)
        self.max_latency = max(self.max_latency, latency_ms)

    def avg(self) -> str:
        return f"{self.total_latency / self.count:.4g}" if self.count else "0.0"

    def reset(self) -> None:
        self.received = self.sent = self.min_latency = self.max_latency = self.total_latency = self.count = 0


def refused(word: str) -> str:
    return f"{word} is not executed because it is not in the whitelist.\n"


def reply(word: str, server, now: int) -> str:
    """The text for ``word``. ``server`` offers: core, config, stats, connections (list of Connection)."""
    if word not in server.config.four_letter_words:
        return refused(word)
    return _WORDS[word](server, now)


def _ruok(server, now):
    return "imok"


def _stat_lines(server) -> str:
    s, core = server.stats, server.core
    return (
        f"Latency min/avg/max: {s.min_latency}/{s.avg()}/{s.max_latency}\nReceived: {s.received}\nSent: {s.sent}\n"
        f"Connections: {len(server.connections)}\nOutstanding: {s.outstanding}\nZxid: 0x{core.zxid:x}\n"
        f"Mode: standalone\nNode count: {core.db.tree.node_count()}\n"
    )


def _srvr(server, now):
    return f"Zookeeper version: {FULL_VERSION}\n" + _stat_lines(server)


def _connection(conn, full: bool) -> str:
    head = f" /{conn.client_ip}:{conn.client_port}[{1 if conn.session_id else 0}](queued=0,recved={conn.received},sent={conn.sent}"
    if not full:
        return head + ")\n"
    if not conn.session_id:
        return head + ")\n"
    avg = conn.total_latency // conn.received if conn.received else 0
    return (
        head + f",sid=0x{conn.session_id:x},lop={conn.last_op},est={conn.established},to={conn.timeout},"
        f"lcxid=0x{conn.last_cxid & 0xFFFFFFFF:x},lzxid=0x{conn.last_zxid & 0xFFFFFFFFFFFFFFFF:x},lresp={conn.established},"
        f"llat={conn.last_latency},minlat={conn.min_latency},avglat={avg},maxlat={conn.max_latency})\n"
    )


def _stat(server, now):
    clients = "".join(_connection(c, False) for c in server.connections)
    return f"Zookeeper version: {FULL_VERSION}\nClients:\n{clients}\n" + _stat_lines(server)


def _cons(server, now):
    return "".join(_connection(c, True) for c in server.connections) + "\n"


def _conf(server, now):
    c = server.config
    snaps, logs = server.core.db.disk_bytes()
    data_dir = server.core.db.dir
    return (
        f"clientPort={server.port}\nsecureClientPort=-1\ndataDir={data_dir}\ndataDirSize={snaps}\n"
        f"dataLogDir={data_dir}\ndataLogSize={logs}\ntickTime={c.tick_time}\nmaxClientCnxns={c.max_client_cnxns}\n"
        f"minSessionTimeout={c.min_session_timeout}\nmaxSessionTimeout={c.max_session_timeout}\n"
        f"clientPortListenBacklog=-1\nserverId=0\n"
    )


def _envi(server, now):
    items = [
        ("zookeeper.version", FULL_VERSION),
        ("host.name", socket.gethostname()),
        ("python.version", platform.python_version()),
        ("python.implementation", platform.python_implementation()),
        ("python.executable", sys.executable),
        ("os.name", platform.system()),
        ("os.arch", platform.machine()),
        ("os.version", platform.release()),
        ("user.name", _user()),
        ("user.dir", os.getcwd()),
    ]
    return "Environment:\n" + "".join(f"{k}={v}\n" for k, v in items)


def _user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:
        return "?"


def _mntr(server, now):
    core, s = server.core, server.stats
    snaps, logs = core.db.disk_bytes()
    pairs = [
        ("zk_version", FULL_VERSION),
        ("zk_server_state", "standalone"),
        ("zk_ephemerals_count", sum(len(p) for p in core.db.tree.ephemerals.values())),
        ("zk_num_alive_connections", len(server.connections)),
        ("zk_avg_latency", s.avg()),
        ("zk_max_latency", s.max_latency),
        ("zk_min_latency", s.min_latency),
        ("zk_packets_received", s.received),
        ("zk_packets_sent", s.sent),
        ("zk_outstanding_requests", s.outstanding),
        ("zk_znode_count", core.db.tree.node_count()),
        ("zk_watch_count", core.watches.count()),
        ("zk_approximate_data_size", core.db.tree.approximate_data_size()),
        ("zk_global_sessions", len(core.db.sessions.sessions)),
        ("zk_last_zxid", f"0x{core.zxid:x}"),
        ("zk_data_dir_size", snaps),
        ("zk_log_dir_size", logs),
        ("zk_uptime", now - s.started),
    ]
    return "".join(f"{k}\t{v}\n" for k, v in pairs)


def _wchs(server, now):
    by_watcher = server.core.watches.by_watcher()
    paths = {p for ps in by_watcher.values() for p in ps}
    return f"{len(by_watcher)} connections watching {len(paths)} paths\nTotal watches:{server.core.watches.count()}\n"


def _wchc(server, now):
    out = []
    for conn, paths in server.core.watches.by_watcher().items():
        out.append(f"0x{conn.session_id:x}\n" + "".join(f"\t{p}\n" for p in paths))
    return "".join(out)


def _wchp(server, now):
    by_path: dict = {}
    for conn, paths in server.core.watches.by_watcher().items():
        for p in paths:
            by_path.setdefault(p, []).append(conn.session_id)
    return "".join(f"{p}\n" + "".join(f"\t0x{sid:x}\n" for sid in sids) for p, sids in sorted(by_path.items()))


def _dump(server, now):
    core = server.core
    sessions = core.db.sessions.sessions
    out = [f"SessionTracker dump:\nSession Sets ({len(sessions)})/({len(sessions)}):\n"]
    for s in sorted(sessions.values(), key=lambda s: s.expires_at):
        out.append(f"1 expire at {s.expires_at}:\n\t0x{s.session_id:x}\n")
    eph = core.db.tree.ephemerals
    out.append(f"ephemeral nodes dump:\nSessions with Ephemerals ({len(eph)}):\n")
    for sid, paths in sorted(eph.items()):
        out.append(f"0x{sid:x}:\n" + "".join(f"\t{p}\n" for p in sorted(paths)))
    out.append("Connections dump:\nConnections Sets (1)/(%d):\n" % len(server.connections))
    out.append(f"{len(server.connections)} expire at {now}:\n")
    for conn in server.connections:
        if conn.session_id:
            out.append(f"\tip: /{conn.client_ip}:{conn.client_port} sessionId: 0x{conn.session_id:x}\n")
    return "".join(out)


def _dirs(server, now):
    snaps, logs = server.core.db.disk_bytes()
    return f"datadir_size: {snaps}\nlogdir_size: {logs}\n"


def _isro(server, now):
    return "rw"


def _gtmk(server, now):
    return "306"


def _srst(server, now):
    server.stats.reset()
    return "Server stats reset.\n"


def _crst(server, now):
    for conn in server.connections:
        conn.received = conn.sent = conn.last_latency = conn.min_latency = conn.max_latency = conn.total_latency = 0
        conn.last_op = "NA"
    return "Connection stats reset.\n"


def _stmk(server, now):
    return "306"


def _hash(server, now):
    return "No digest in the history.\n"


_WORDS = {
    "ruok": _ruok, "srvr": _srvr, "stat": _stat, "cons": _cons, "conf": _conf, "envi": _envi, "mntr": _mntr,
    "wchs": _wchs, "wchc": _wchc, "wchp": _wchp, "dump": _dump, "dirs": _dirs, "isro": _isro, "gtmk": _gtmk,
    "srst": _srst, "crst": _crst, "stmk": _stmk, "hash": _hash,
}
