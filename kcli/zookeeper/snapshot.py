"""Snapshots: ``<dataDir>/kcli-zk/snapshot.<hex zxid>``, the whole tree and session table at that zxid.

Layout (jute)::

    magic "KZSN" | int version (1) | long zxid
    int sessionCount, then per session: long sessionId | int timeOut
    int nodeCount, then per node, parents first:
        ustring path | buffer data | vector<ACL> acl | long czxid | long mzxid | long ctime | long mtime
        | int version | int cversion | int aversion | long ephemeralOwner | long pzxid | boolean container
    uint32 crc32 of everything before it

Written to a temporary file, fsynced, then renamed into place, so a snapshot
is either whole or absent; one whose CRC does not match is skipped and the
previous snapshot plus the logs after it are used instead.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from kcli.protocol.zookeeper.jute import Reader, record, write_int
from kcli.zookeeper.tree import DataNode, DataTree

MAGIC = b"KZSN"
_HEAD = struct.Struct(">4siq")
_CRC = struct.Struct(">I")
SnapNode = record(
    "SnapNode",
    "ustring path; buffer data; vector<ACL> acl; long czxid; long mzxid; long ctime; long mtime; int version; "
    "int cversion; int aversion; long ephemeralOwner; long pzxid; boolean container",
)
SnapSession = record("SnapSession", "long sessionId; int timeOut")


def snapshot_name(zxid: int) -> str:
    return f"snapshot.{zxid:x}"


def write(directory: Path, zxid: int, tree: DataTree, sessions: dict) -> Path:
    out = bytearray(_HEAD.pack(MAGIC, 1, zxid))
    write_int(out, len(sessions))
    for session_id, timeout in sessions.items():
        SnapSession.write(out, SnapSession(session_id, timeout))
    write_int(out, len(tree.nodes))
    for path, n in tree.walk():
        SnapNode.write(out, SnapNode(
            path, n.data, list(n.acl), n.czxid, n.mzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion,
            n.ephemeral_owner, n.pzxid, n.container,
        ))
    out += _CRC.pack(zlib.crc32(out))
    final = directory / snapshot_name(zxid)
    temp = directory / (final.name + ".tmp")
    with open(temp, "wb") as f:
        f.write(out)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, final)
    _sync_dir(directory)
    return final


def read(path: Path) -> tuple[int, DataTree, dict] | None:
    """(zxid, tree, {session id: timeout}) or None when the file is damaged."""
    data = path.read_bytes()
    if len(data) < _HEAD.size + _CRC.size or zlib.crc32(data[:-4]) != _CRC.unpack_from(data, len(data) - 4)[0]:
        return None
    magic, _version, zxid = _HEAD.unpack_from(data)
    if magic != MAGIC:
        return None
    reader = Reader(data[:-4], _HEAD.size)
    sessions = {}
    for _ in range(reader.int()):
        s = SnapSession.read(reader)
        sessions[s.sessionId] = s.timeOut
    tree = DataTree()
    tree.nodes.clear()
    for _ in range(reader.int()):
        s = SnapNode.read(reader)
        tree.nodes[s.path] = DataNode(
            s.data, tuple(s.acl), s.czxid, s.mzxid, s.ctime, s.mtime, s.version, s.cversion, s.aversion,
            s.ephemeralOwner, s.pzxid, s.container,
        )
        if s.path != "/":
            cut = s.path.rfind("/")
            tree.nodes[s.path[:cut] or "/"].children.add(s.path[cut + 1 :])
        if s.ephemeralOwner:
            tree.ephemerals.setdefault(s.ephemeralOwner, set()).add(s.path)
    return zxid, tree, sessions


def _sync_dir(directory: Path) -> None:
    if os.name == "nt":  # Windows cannot open a directory for fsync; NTFS journals the rename
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
