"""The ``-w`` watches of ``kcli zookeeper-shell``, and the events it prints, as ZooKeeper's Java client has them.

kazoo forgets its watches when the connection drops (it fires them with a ``NONE`` event); the Java
client keeps them and sends SetWatches after reconnecting, so that zkCli's watches outlive a server
restart. ``ShellWatches`` does the same over kazoo: it remembers each watch with the zxid it was set
at, sets them again on the reattached session and fires at once those whose node changed meanwhile.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class ZkEvent:
    """A ``WatchedEvent`` in the Java client's words; ``path`` None for session events."""

    state: str
    type: str
    path: str | None = None


_FIRES = {  # event -> the watch kinds it ends, as the Java client's ZKWatchManager groups them
    "NodeCreated": ("data", "exist"), "NodeDataChanged": ("data", "exist"),
    "NodeDeleted": ("data", "exist", "child"), "NodeChildrenChanged": ("child",),
}
_KAZOO_EVENTS = {"CREATED": "NodeCreated", "DELETED": "NodeDeleted", "CHANGED": "NodeDataChanged", "CHILD": "NodeChildrenChanged"}


class ShellWatches:
    """The shell's ``-w`` watches, kept so that they outlive a reconnect.

    Each is ``(kind, path) -> zxid``: ``data`` (get -w, the node's mzxid), ``exist`` (stat -w, mzxid or
    -1 when absent), ``child`` (ls -w, pzxid). An event is printed once however many kinds it ends.
    kazoo drops its watches when the connection drops; ``restore`` sets them again on the same session,
    and one whose node changed meanwhile fires at once — the rule of ZooKeeper's SetWatches.
    """

    def __init__(self, client, on_event: Callable[[ZkEvent], None]):
        self.client = client
        self.on_event = on_event
        self._armed: dict[tuple[str, str], int | None] = {}
        self._lock = threading.Lock()

    def arm(self, kind: str, path: str) -> None:
        """Before the request: an event may arrive before the reply has been handed back."""
        with self._lock:
            self._armed.setdefault((kind, path), None)

    def settle(self, kind: str, path: str, zxid: int | None) -> None:
        """After the reply: the zxid to compare with on reconnect; None drops a watch that was not set."""
        with self._lock:
            if (kind, path) in self._armed:
                if zxid is None:
                    del self._armed[(kind, path)]
                elif self._armed[(kind, path)] is None:
                    self._armed[(kind, path)] = zxid

    def fired(self, event) -> None:
        """kazoo's watcher for every ``-w`` (kazoo's NONE, a dropped connection, is reported by the shell)."""
        if event.type in _KAZOO_EVENTS:
            self._deliver(_KAZOO_EVENTS[event.type], event.path)

    def forget(self) -> None:
        with self._lock:
            self._armed.clear()

    def restore(self) -> None:
        from kazoo.exceptions import KazooException

        with self._lock:
            armed = list(self._armed.items())
        for (kind, path), zxid in armed:
            try:
                missed = self._set_again(kind, path, zxid)
            except KazooException:
                continue
            if missed:
                self._deliver(missed, path)

    def _deliver(self, type_: str, path: str) -> None:
        with self._lock:
            ended = [kind for kind in _FIRES[type_] if self._armed.pop((kind, path), False) is not False]
        if ended:
            self.on_event(ZkEvent("SyncConnected", type_, path))

    def _set_again(self, kind: str, path: str, zxid: int | None) -> str | None:
        """Set one watch again; the event it missed while disconnected, if any."""
        from kazoo.exceptions import NoNodeError

        zxid = -1 if zxid is None else zxid
        if kind == "exist":
            stat = self.client.exists(path, watch=self.fired)
            if stat is None:
                return "NodeDeleted" if zxid >= 0 else None
            return "NodeCreated" if zxid < 0 else "NodeDataChanged" if stat.mzxid > zxid else None
        try:
            if kind == "data":
                return "NodeDataChanged" if self.client.get(path, watch=self.fired)[1].mzxid > zxid else None
            _, stat = self.client.get_children(path, watch=self.fired, include_data=True)
            return "NodeChildrenChanged" if stat.pzxid > zxid else None
        except NoNodeError:
            return "NodeDeleted"
