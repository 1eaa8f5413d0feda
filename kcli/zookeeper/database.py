"""The database: tree, sessions and the zxid counter, kept durable in ``<dataDir>/kcli-zk/``.

Start-up loads the newest readable snapshot, replays every logged
transaction after it (cutting a torn tail), and restores the sessions with a
fresh expiry counted from load time, as ZooKeeper's SessionTrackerImpl does.
A new log file is begun at each start and after each snapshot. Snapshots are
taken every ``snap_count`` transactions and at a clean shutdown; only the
newest ``retain`` snapshots and the logs after the oldest of them are kept.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kcli.zookeeper import snapshot, txn, txnlog
from kcli.zookeeper.sessions import SessionTracker
from kcli.zookeeper.tree import DataTree

log = logging.getLogger("kcli.zookeeper")
DIR_NAME = "kcli-zk"


class Database:
    def __init__(self, data_dir: Path, sessions: SessionTracker, snap_count: int = 100_000, retain: int = 3):
        self.dir = Path(data_dir) / DIR_NAME
        self.sessions = sessions
        self.tree = DataTree()
        self.zxid = 0
        self.snap_count = snap_count
        self.retain = max(retain, 1)
        self.appended = 0  # entries appended since start
        self.recovered_txns = 0
        self._since_snapshot = 0
        self._log: txnlog.TxnLog | None = None

    def open(self, now: int) -> None:
        """Recover from disk (or start empty) and begin a new log file."""
        self.dir.mkdir(parents=True, exist_ok=True)
        snapshots = sorted(self.dir.glob("snapshot.*[0-9a-f]"), key=txnlog.zxid_of, reverse=True)
        restored: dict = {}
        for path in snapshots:
            loaded = snapshot.read(path)
            if loaded is not None:
                self.zxid, self.tree, restored = loaded
                break
            log.warning("Skipping damaged snapshot %s", path.name)
        for session_id, timeout in restored.items():
            self.sessions.add(session_id, timeout, now)
        for path in sorted(self.dir.glob("log.*"), key=txnlog.zxid_of):
            payloads, valid = txnlog.read_entries(path)
            if valid < path.stat().st_size:
                log.warning("Cutting the torn tail of %s at byte %d", path.name, valid)
                txnlog.truncate(path, valid)
            for payload in payloads:
                header, body = txn.decode(payload)
                if header.zxid <= self.zxid:
                    continue
                txn.apply(self.tree, self.sessions, header, body, now)
                self.zxid = header.zxid
                self.recovered_txns += 1
        for session in self.sessions.sessions.values():
            session.expires_at = self.sessions._deadline(now, session.timeout)
        self._log = txnlog.TxnLog(self.dir / txnlog.log_name(self.zxid + 1))
        self._since_snapshot = self.recovered_txns

    def next_zxid(self) -> int:
        self.zxid += 1
        return self.zxid

    def log_txn(self, header, body) -> None:
        assert self._log is not None, "open() first"
        self._log.append(txn.encode(header, body))
        self.appended += 1
        self._since_snapshot += 1

    def write(self, session_id: int, cxid: int, kind: int, body, now: int) -> tuple[int, list]:
        """Take a zxid, apply and log one transaction; returns (zxid, watch triggers)."""
        header = txn.TxnHeader(session_id, cxid, self.next_zxid(), now, kind)
        triggers = txn.apply(self.tree, self.sessions, header, body, now)
        self.log_txn(header, body)
        return header.zxid, triggers

    def sync(self) -> None:
        assert self._log is not None, "open() first"
        self._log.sync()

    def snapshot_due(self) -> bool:
        return self._since_snapshot >= self.snap_count

    def take_snapshot(self) -> None:
        """Snapshot the tree now, start a new log, drop files no longer needed. Call with no sync in flight."""
        assert self._log is not None, "open() first"
        self._log.close()
        snapshot.write(self.dir, self.zxid, self.tree, {s.session_id: s.timeout for s in self.sessions.sessions.values()})
        self._log = txnlog.TxnLog(self.dir / txnlog.log_name(self.zxid + 1))
        self._since_snapshot = 0
        self._purge()

    def _purge(self) -> None:
        snapshots = sorted(self.dir.glob("snapshot.*[0-9a-f]"), key=txnlog.zxid_of, reverse=True)
        for old in snapshots[self.retain :]:
            old.unlink(missing_ok=True)
        kept = snapshots[: self.retain]
        if not kept:
            return
        oldest = txnlog.zxid_of(kept[-1])
        logs = sorted(self.dir.glob("log.*"), key=txnlog.zxid_of)
        for current, following in zip(logs, logs[1:]):
            if txnlog.zxid_of(following) - 1 <= oldest and (self._log is None or current != self._log.path):
                current.unlink(missing_ok=True)

    def close(self, clean: bool = True) -> None:
        if self._log is None:
            return
        if clean:
            self.take_snapshot()
        self._log.close()
        self._log = None

    def disk_bytes(self) -> tuple[int, int]:
        """(snapshot bytes, log bytes) for ``dirs``/``mntr``."""
        snaps = sum(p.stat().st_size for p in self.dir.glob("snapshot.*[0-9a-f]"))
        logs = sum(p.stat().st_size for p in self.dir.glob("log.*"))
        return snaps, logs
