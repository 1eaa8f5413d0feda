"""Watches: which watcher (connection) hears about which change to which path.

Tables as in ZooKeeper's DataTree/WatchManager:
- data watches, set by exists/getData with watch=true (exists on a missing
  node sets one too, so it later hears NodeCreated);
- child watches, set by getChildren/getChildren2;
- persistent watches (addWatch mode 0): data and child events on that path,
  never removed by firing;
- persistent recursive watches (addWatch mode 1): NodeCreated, NodeDeleted and
  NodeDataChanged anywhere under the path, never NodeChildrenChanged.

Standard watches are one-shot, and a watcher hears one event per change even
when it is in several tables for that path. Watches belong to a connection
and go with it.
"""

from __future__ import annotations

from kcli.protocol.zookeeper import opcodes as op

_DATA_EVENTS = (op.NODE_CREATED, op.NODE_DATA_CHANGED)


class WatchManager:
    def __init__(self):
        self.data: dict[str, set] = {}
        self.child: dict[str, set] = {}
        self.persistent: dict[str, set] = {}
        self.recursive: dict[str, set] = {}

    @staticmethod
    def _add(table: dict, path: str, watcher) -> None:
        watchers = table.get(path)
        if watchers is None:
            table[path] = {watcher}
        else:
            watchers.add(watcher)

    def add_data(self, path: str, watcher) -> None:
        self._add(self.data, path, watcher)

    def add_child(self, path: str, watcher) -> None:
        self._add(self.child, path, watcher)

    def add_persistent(self, path: str, watcher, recursive: bool) -> None:
        self._add(self.recursive if recursive else self.persistent, path, watcher)

    def trigger(self, path: str, event: int) -> list:
        """The (watcher, event, path) notifications one change causes; fires one-shot watches."""
        hearers: dict = {}
        if event in _DATA_EVENTS:
            fired = self.data.pop(path, None)
        elif event == op.NODE_CHILDREN_CHANGED:
            fired = self.child.pop(path, None)
        else:  # NodeDeleted: data and child watches, one event
            fired = self.data.pop(path, None)
            children = self.child.pop(path, None)
            if children:
                fired = children if fired is None else fired | children
        if fired:
            hearers = dict.fromkeys(fired)
        persistent = self.persistent.get(path)
        if persistent:
            hearers.update(dict.fromkeys(persistent))
        if self.recursive and event != op.NODE_CHILDREN_CHANGED:
            current = path
            while True:
                watchers = self.recursive.get(current)
                if watchers:
                    hearers.update(dict.fromkeys(watchers))
                if current == "/":
                    break
                cut = current.rfind("/")
                current = "/" if cut <= 0 else current[:cut]
        return [(watcher, event, path) for watcher in hearers]

    def _tables(self, kind: int) -> tuple:
        if kind == op.WATCHER_CHILDREN:
            return (self.child,)
        if kind == op.WATCHER_DATA:
            return (self.data,)
        return (self.child, self.data, self.persistent, self.recursive)

    def remove(self, path: str, watcher, kind: int) -> bool:
        """removeWatches: kind 1 child, 2 data, 3 any (persistent ones too); False when there was none."""
        found = False
        for table in self._tables(kind):
            watchers = table.get(path)
            if watchers and watcher in watchers:
                found = True
                watchers.discard(watcher)
                if not watchers:
                    del table[path]
        return found

    def has(self, path: str, watcher, kind: int) -> bool:
        """checkWatches: does ``watcher`` hold a watch of ``kind`` on ``path``."""
        return any(watcher in table.get(path, ()) for table in self._tables(kind))

    def drop_watcher(self, watcher) -> None:
        for table in (self.data, self.child, self.persistent, self.recursive):
            for path in [p for p, w in table.items() if watcher in w]:
                table[path].discard(watcher)
                if not table[path]:
                    del table[path]

    def count(self) -> int:
        return sum(len(w) for t in (self.data, self.child, self.persistent, self.recursive) for w in t.values())

    def by_watcher(self) -> dict:
        """watcher -> sorted paths it watches (for wchs/wchc)."""
        out: dict = {}
        for table in (self.data, self.child, self.persistent, self.recursive):
            for path, watchers in table.items():
                for w in watchers:
                    out.setdefault(w, set()).add(path)
        return {w: sorted(p) for w, p in out.items()}
