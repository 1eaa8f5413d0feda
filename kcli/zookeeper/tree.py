"""The data tree: znodes by path, their persisted stat, and the Stat clients see.

Invariants kept as ZooKeeper's DataTree keeps them:
- ``cversion`` is stored as the number of child *creations* (a delete never
  touches it); the Stat reports ``2 * cversion - numChildren``, which is
  creations + deletions, and a sequential child's suffix is the stored value
  ``%010d`` before the create (DataNode.copyStat, PrepRequestProcessor).
- null data (``None``) is distinct from empty data (``b""``).
- create sets czxid = mzxid = pzxid = zxid and ctime = mtime; the parent gets
  cversion + 1 and pzxid = zxid; a delete raises the parent's pzxid.
- ``/``, ``/zookeeper``, ``/zookeeper/quota`` and ``/zookeeper/config`` always
  exist with all-zero stats.

Mutations return the watch triggers they cause as ``(path, event type, the node's ACL)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kcli.protocol.zookeeper import errors
from kcli.protocol.zookeeper import opcodes as op
from kcli.protocol.zookeeper.jute import Record
from kcli.protocol.zookeeper.records import ACL, Id, Stat

OPEN_ACL_UNSAFE = (ACL(op.ALL, Id("world", "anyone")),)
READ_ACL_UNSAFE = (ACL(op.READ, Id("world", "anyone")),)
BUILT_IN = ("/zookeeper", "/zookeeper/quota", "/zookeeper/config")


@dataclass(slots=True)
class DataNode:
    data: bytes | None
    acl: tuple
    czxid: int = 0
    mzxid: int = 0
    ctime: int = 0
    mtime: int = 0
    version: int = 0
    cversion: int = 0  # child creations, never decremented
    aversion: int = 0
    ephemeral_owner: int = 0
    pzxid: int = 0
    container: bool = False
    children: set = field(default_factory=set)

    def stat(self) -> Record:  # a Stat
        n = len(self.children)
        return Stat(
            self.czxid, self.mzxid, self.ctime, self.mtime, self.version, self.cversion * 2 - n, self.aversion,
            self.ephemeral_owner, 0 if self.data is None else len(self.data), n, self.pzxid,
        )

    def copy(self) -> "DataNode":
        return DataNode(
            self.data, self.acl, self.czxid, self.mzxid, self.ctime, self.mtime, self.version, self.cversion,
            self.aversion, self.ephemeral_owner, self.pzxid, self.container, set(self.children),
        )


def parent_of(path: str) -> str:
    cut = path.rfind("/")
    return "/" if cut <= 0 else path[:cut]


def name_of(path: str) -> str:
    return path[path.rfind("/") + 1 :]


def validate_path(path: str | None) -> None:
    """ZooKeeper's PathUtils.validatePath; raises BAD_ARGUMENTS."""
    if not path or path[0] != "/":
        raise errors.KeeperError(errors.BAD_ARGUMENTS, path)
    if path == "/":
        return
    if path[-1] == "/":
        raise errors.KeeperError(errors.BAD_ARGUMENTS, path)
    for part in path[1:].split("/"):
        if part in ("", ".", ".."):
            raise errors.KeeperError(errors.BAD_ARGUMENTS, path)
    for ch in path:
        c = ord(ch)
        if c == 0 or 0 < c < 0x20 or 0x7F <= c <= 0x9F or 0xD800 <= c <= 0xF8FF or 0xFFF0 <= c <= 0xFFFF:
            raise errors.KeeperError(errors.BAD_ARGUMENTS, path)


class DataTree:
    def __init__(self):
        self.nodes: dict[str, DataNode] = {"/": DataNode(b"", OPEN_ACL_UNSAFE)}
        self.ephemerals: dict[int, set[str]] = {}
        for path in BUILT_IN:
            node = DataNode(b"", READ_ACL_UNSAFE if path == "/zookeeper/config" else OPEN_ACL_UNSAFE)
            self.nodes[path] = node
            self.nodes[parent_of(path)].children.add(name_of(path))

    def get(self, path: str) -> DataNode | None:
        return self.nodes.get(path)

    def node_count(self) -> int:
        return len(self.nodes) + 1  # ZooKeeper stores the root under both "" and "/"

    def create(self, path: str, data, acl, ephemeral_owner: int, container: bool, zxid: int, time: int) -> list:
        parent = self.nodes[parent_of(path)]
        node = DataNode(data, tuple(acl), zxid, zxid, time, time, 0, 0, 0, ephemeral_owner, zxid, container)
        self.nodes[path] = node
        parent.children.add(name_of(path))
        parent.cversion += 1
        parent.pzxid = zxid
        if ephemeral_owner:
            self.ephemerals.setdefault(ephemeral_owner, set()).add(path)
        return [(path, op.NODE_CREATED, node.acl), (parent_of(path), op.NODE_CHILDREN_CHANGED, parent.acl)]

    def delete(self, path: str, zxid: int) -> list:
        node = self.nodes.pop(path)
        parent = self.nodes[parent_of(path)]
        parent.children.discard(name_of(path))
        if zxid > parent.pzxid:
            parent.pzxid = zxid
        if node.ephemeral_owner:
            owned = self.ephemerals.get(node.ephemeral_owner)
            if owned is not None:
                owned.discard(path)
                if not owned:
                    del self.ephemerals[node.ephemeral_owner]
        return [(path, op.NODE_DELETED, node.acl), (parent_of(path), op.NODE_CHILDREN_CHANGED, parent.acl)]

    def set_data(self, path: str, data, zxid: int, time: int) -> list:
        node = self.nodes[path]
        node.data = data
        node.version += 1
        node.mzxid = zxid
        node.mtime = time
        return [(path, op.NODE_DATA_CHANGED, node.acl)]

    def set_acl(self, path: str, acl) -> None:
        node = self.nodes[path]
        node.acl = tuple(acl)
        node.aversion += 1

    def restore(self, saved: list) -> None:
        """Put back nodes saved with :meth:`save` (undo of a failed multi), newest first."""
        for path, node in reversed(saved):
            current = self.nodes.get(path)
            if current is not None and current.ephemeral_owner:
                owned = self.ephemerals.get(current.ephemeral_owner)
                if owned is not None:
                    owned.discard(path)
                    if not owned:
                        del self.ephemerals[current.ephemeral_owner]
            if node is None:
                self.nodes.pop(path, None)
            else:
                self.nodes[path] = node
                if node.ephemeral_owner:
                    self.ephemerals.setdefault(node.ephemeral_owner, set()).add(path)

    def save(self, path: str) -> tuple:
        node = self.nodes.get(path)
        return (path, None if node is None else node.copy())

    def descendants(self, path: str) -> int:
        count, stack = 0, [path]
        while stack:
            current = stack.pop()
            node = self.nodes.get(current)
            if node is None:
                continue
            prefix = current if current != "/" else ""
            for child in node.children:
                count += 1
                stack.append(f"{prefix}/{child}")
        return count

    def walk(self):
        """Every (path, node), parents before children."""
        stack = ["/"]
        while stack:
            path = stack.pop()
            node = self.nodes[path]
            yield path, node
            prefix = path if path != "/" else ""
            stack.extend(f"{prefix}/{child}" for child in sorted(node.children, reverse=True))

    def approximate_data_size(self) -> int:
        return sum(len(p) + (len(n.data) if n.data else 0) for p, n in self.nodes.items())
