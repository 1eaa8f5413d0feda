"""Requests to results: ZooKeeper's request processors as plain functions of (core, connection, request, now).

Checks run in ZooKeeper's order (PrepRequestProcessor) so the same mistake
gets the same error code: e.g. create checks flags, path shape, ACL, parent,
CREATE permission, sequence suffix, path validity, existence, then an
ephemeral parent. Every write, failed or not, takes a zxid; reads answer with
the last one. A multi applies its ops one by one, each seeing the earlier
ones, and on the first failure puts everything back: the ops before it
report 0, the failing one its code, those after it -2, and the reply header
err stays 0 (Kafka's controller depends on exactly this).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kcli.protocol.zookeeper import errors
from kcli.protocol.zookeeper import opcodes as op
from kcli.protocol.zookeeper import records as r
from kcli.protocol.java_hash import string_hash
from kcli.protocol.zookeeper.errors import KeeperError
from kcli.protocol.zookeeper.jute import Record
from kcli.zookeeper import acl, txn
from kcli.zookeeper.database import Database
from kcli.zookeeper.sessions import password
from kcli.zookeeper.tree import BUILT_IN, parent_of, validate_path
from kcli.zookeeper.watches import WatchManager

SPECIAL_PATHS = frozenset({"/", *BUILT_IN})
_ZERO_PASSWD = bytes(16)


@dataclass(slots=True, eq=False)
class Connection:
    """What the core knows of one client connection; it is also the watcher its watches name."""

    client_ip: str
    client_port: int = 0
    session_id: int = 0
    auth_ids: list = field(default_factory=list)
    timeout: int = 0
    received: int = 0
    sent: int = 0
    last_op: str = "NA"
    last_cxid: int = -1
    last_zxid: int = -1
    last_latency: int = 0
    min_latency: int = 0
    max_latency: int = 0
    total_latency: int = 0
    established: int = 0

    def __post_init__(self):
        self.auth_ids = [r.Id("ip", self.client_ip)]


@dataclass(slots=True)
class Result:
    """A reply and what goes with it. ``record`` is a list of (opcode, err, record) for multi."""

    xid: int
    zxid: int
    err: int = 0
    record: Any = None  # a jute record, or the multi list
    multi: bool = False
    notifications: list = field(default_factory=list)  # (watcher Connection, event type, path), sent before the reply
    close: bool = False  # close this connection after the reply
    closed_sessions: list = field(default_factory=list)  # sessions whose other connections must go


@dataclass(frozen=True)
class Limits:
    tick_time: int = 3000
    min_session_timeout: int = 6000
    max_session_timeout: int = 60000
    super_digest: str | None = None


class Core:
    """The pure server: database + watches + the ops table. Time is always an argument."""

    def __init__(self, db: Database, limits: Limits):
        self.db = db
        self.limits = limits
        self.watches = WatchManager()

    @property
    def zxid(self) -> int:
        return self.db.zxid

    # -- sessions ---------------------------------------------------------

    def connect(self, conn: Connection, req: Record, now: int) -> Record | None:  # ConnectRequest → ConnectResponse
        """The ConnectResponse; None means close without a reply. A timeOut of 0 means expired: reply, then close."""
        if req.lastZxidSeen > self.db.zxid:
            return None  # "Refusing session request ... client must try another server"
        sessions = self.db.sessions
        timeout = sessions.negotiate(req.timeOut)
        if req.sessionId == 0:
            session_id = sessions.next_id()
            self.db.write(session_id, 0, op.CREATE_SESSION, txn.CreateSessionTxn(timeout), now)
            conn.session_id, conn.timeout, conn.established = session_id, timeout, now
            return r.ConnectResponse(0, timeout, session_id, password(session_id))
        if not sessions.valid(req.sessionId, req.passwd):
            return r.ConnectResponse(0, 0, 0, _ZERO_PASSWD)
        sessions.touch(req.sessionId, now, timeout)
        conn.session_id, conn.timeout, conn.established = req.sessionId, timeout, now
        return r.ConnectResponse(0, timeout, req.sessionId, req.passwd)

    def touch(self, conn: Connection, now: int) -> bool:
        return self.db.sessions.touch(conn.session_id, now)

    def expire(self, now: int) -> tuple[list[int], list]:
        """Close every session whose time is up: (session ids, notifications)."""
        expired = self.db.sessions.expired(now)
        notes = []
        for session_id in expired:
            _, triggers = self.db.write(session_id, 0, op.CLOSE_SESSION, r.Empty(), now)
            notes += self.fire(triggers)
        return expired, notes

    def reap_containers(self, now: int) -> list:
        """ContainerManager: delete container nodes that have had children and have none left; notifications."""
        notes = []
        empty = [p for p, n in self.db.tree.nodes.items() if n.container and n.cversion > 0 and not n.children]
        for path in empty:
            _, triggers = self.db.write(0, 0, op.DELETE, txn.DeleteTxn(path), now)
            notes += self.fire(triggers)
        return notes

    def drop(self, conn: Connection) -> None:
        """The connection is gone: its watches go with it (the session lives on)."""
        self.watches.drop_watcher(conn)

    # -- requests ---------------------------------------------------------

    def handle(self, conn: Connection, req, now: int) -> Result:
        handler = _OPS.get(req.opcode)
        if handler is None:
            return Result(req.xid, -1, errors.UNIMPLEMENTED, close=True)
        try:
            return handler(self, conn, req, now)
        except KeeperError as exc:
            if req.opcode in op.WRITES:
                zxid, _ = self.db.write(conn.session_id, req.xid, op.ERROR, txn.ErrorTxn(exc.code), now)
            else:
                zxid = self.db.zxid
            return Result(req.xid, zxid, exc.code)

    def fire(self, triggers) -> list:
        """Notifications for the triggers, each only to watchers allowed to READ the node (ZooKeeper 3.8.4)."""
        notes = []
        for path, event, node_acl in triggers:
            for note in self.watches.trigger(path, event):
                try:
                    acl.check(node_acl, op.READ, note[0].auth_ids)
                except KeeperError:
                    continue
                notes.append(note)
        return notes

    def existing(self, path: str):
        node = self.db.tree.get(path)
        if node is None:
            raise KeeperError(errors.NO_NODE, path)
        return node

    # -- write preparation: validate, return the txn --------------------------

    def prep_create(self, conn: Connection, opcode: int, req) -> Record:  # a txn.CreateTxn
        flags = req.flags
        if opcode == op.CREATE_TTL or flags in (op.PERSISTENT_WITH_TTL, op.PERSISTENT_SEQUENTIAL_WITH_TTL):
            raise KeeperError(errors.UNIMPLEMENTED, req.path)  # TTL nodes need zookeeper.extendedTypesEnabled
        if not 0 <= flags <= op.CONTAINER or (flags == op.CONTAINER) != (opcode == op.CREATE_CONTAINER):
            raise KeeperError(errors.BAD_ARGUMENTS, req.path)
        path = req.path or ""
        if "/" not in path or "\0" in path:
            raise KeeperError(errors.BAD_ARGUMENTS, path)
        fixed = acl.fixup(req.acl, conn.auth_ids)
        parent = self.existing(parent_of(path) if path.rfind("/") > 0 else "/")
        acl.check(parent.acl, op.CREATE_PERM, conn.auth_ids)
        if flags in (op.PERSISTENT_SEQUENTIAL, op.EPHEMERAL_SEQUENTIAL):
            path = f"{path}{parent.cversion:010d}"
        validate_path(path)
        if path in self.db.tree.nodes:
            raise KeeperError(errors.NODE_EXISTS, path)
        if parent.ephemeral_owner:
            raise KeeperError(errors.NO_CHILDREN_FOR_EPHEMERALS, path)
        owner = conn.session_id if flags in (op.EPHEMERAL, op.EPHEMERAL_SEQUENTIAL) else 0
        return txn.CreateTxn(path, req.data, list(fixed), owner, flags == op.CONTAINER)

    def prep_delete(self, conn: Connection, req) -> Record:  # a txn.DeleteTxn
        path = req.path or ""
        if "/" not in path or "\0" in path or path in SPECIAL_PATHS:
            raise KeeperError(errors.BAD_ARGUMENTS, path)
        parent = self.existing(parent_of(path))
        acl.check(parent.acl, op.DELETE_PERM, conn.auth_ids)
        node = self.existing(path)
        if req.version != -1 and req.version != node.version:
            raise KeeperError(errors.BAD_VERSION, path)
        if node.children:
            raise KeeperError(errors.NOT_EMPTY, path)
        return txn.DeleteTxn(path)

    def prep_set_data(self, conn: Connection, req) -> Record:  # a txn.SetDataTxn
        validate_path(req.path)
        node = self.existing(req.path)
        acl.check(node.acl, op.WRITE, conn.auth_ids)
        if req.version != -1 and req.version != node.version:
            raise KeeperError(errors.BAD_VERSION, req.path)
        return txn.SetDataTxn(req.path, req.data)

    def prep_check(self, conn: Connection, req) -> Record:  # r.Empty
        validate_path(req.path)
        node = self.existing(req.path)
        acl.check(node.acl, op.READ, conn.auth_ids)
        if req.version != -1 and req.version != node.version:
            raise KeeperError(errors.BAD_VERSION, req.path)
        return r.Empty()

    def prep_set_acl(self, conn: Connection, req) -> Record:  # a txn.SetACLTxn
        validate_path(req.path)
        fixed = acl.fixup(req.acl, conn.auth_ids)
        node = self.existing(req.path)
        acl.check(node.acl, op.ADMIN, conn.auth_ids)
        if req.version != -1 and req.version != node.aversion:
            raise KeeperError(errors.BAD_VERSION, req.path)
        return txn.SetACLTxn(req.path, list(fixed))


# -- handlers, one per opcode ---------------------------------------------------


def _create(core: Core, conn: Connection, req, now: int) -> Result:
    body = core.prep_create(conn, req.opcode, req.record)
    zxid, triggers = core.db.write(conn.session_id, req.xid, op.CREATE, body, now)
    return Result(req.xid, zxid, 0, _create_response(core, req.opcode, body.path), notifications=core.fire(triggers))


def _create_response(core: Core, opcode: int, path: str):
    if opcode == op.CREATE:
        return r.CreateResponse(path)
    return r.Create2Response(path, core.db.tree.nodes[path].stat())


def _delete(core: Core, conn: Connection, req, now: int) -> Result:
    body = core.prep_delete(conn, req.record)
    zxid, triggers = core.db.write(conn.session_id, req.xid, op.DELETE, body, now)
    return Result(req.xid, zxid, notifications=core.fire(triggers))


def _set_data(core: Core, conn: Connection, req, now: int) -> Result:
    body = core.prep_set_data(conn, req.record)
    zxid, triggers = core.db.write(conn.session_id, req.xid, op.SET_DATA, body, now)
    stat = core.db.tree.nodes[body.path].stat()
    return Result(req.xid, zxid, 0, r.SetDataResponse(stat), notifications=core.fire(triggers))


def _set_acl(core: Core, conn: Connection, req, now: int) -> Result:
    body = core.prep_set_acl(conn, req.record)
    zxid, _ = core.db.write(conn.session_id, req.xid, op.SET_ACL, body, now)
    return Result(req.xid, zxid, 0, r.SetACLResponse(core.db.tree.nodes[body.path].stat()))


def _check(core: Core, conn: Connection, req, now: int) -> Result:
    core.prep_check(conn, req.record)
    zxid, _ = core.db.write(conn.session_id, req.xid, op.CHECK, r.Empty(), now)
    return Result(req.xid, zxid, 0, r.SetDataResponse(core.db.tree.nodes[req.record.path].stat()))


def _multi(core: Core, conn: Connection, req, now: int) -> Result:
    db, tree = core.db, core.db.tree
    zxid = db.next_zxid()
    saved, parts, results, triggers = [], [], [], []
    failed_at, code = -1, 0
    for index, (opcode, sub) in enumerate(req.record):
        try:
            if opcode in (op.CREATE, op.CREATE2, op.CREATE_CONTAINER, op.CREATE_TTL):
                body, kind = core.prep_create(conn, opcode, sub), op.CREATE
            elif opcode == op.DELETE:
                body, kind = core.prep_delete(conn, sub), op.DELETE
            elif opcode == op.SET_DATA:
                body, kind = core.prep_set_data(conn, sub), op.SET_DATA
            else:
                body, kind = core.prep_check(conn, sub), op.CHECK
        except KeeperError as exc:
            failed_at, code = index, exc.code
            break
        if kind != op.CHECK:
            saved.append(tree.save(body.path))
            saved.append(tree.save(parent_of(body.path)))
        header = txn.TxnHeader(conn.session_id, req.xid, zxid, now, kind)
        triggers += txn.apply(tree, db.sessions, header, body, now)
        parts.append((kind, body))
        if kind == op.CREATE:
            results.append((opcode, 0, _create_response(core, opcode, body.path)))
        elif kind == op.SET_DATA:
            results.append((opcode, 0, r.SetDataResponse(tree.nodes[body.path].stat())))
        else:
            results.append((opcode, 0, None))
    if failed_at >= 0:
        tree.restore(saved)
        db.log_txn(txn.TxnHeader(conn.session_id, req.xid, zxid, now, op.ERROR), txn.ErrorTxn(code))
        results = [(op.ERROR, 0 if i < failed_at else code if i == failed_at else errors.RUNTIME_INCONSISTENCY, None)
                   for i in range(len(req.record))]
        return Result(req.xid, zxid, 0, results, multi=True)
    db.log_txn(txn.TxnHeader(conn.session_id, req.xid, zxid, now, op.MULTI), txn.multi(parts))
    return Result(req.xid, zxid, 0, results, multi=True, notifications=core.fire(triggers))


def _exists(core: Core, conn: Connection, req, now: int) -> Result:
    path = req.record.path
    node = core.db.tree.get(path)
    if req.record.watch:
        core.watches.add_data(path, conn)
    if node is None:
        return Result(req.xid, core.db.zxid, errors.NO_NODE)
    acl.check(node.acl, op.READ, conn.auth_ids)
    return Result(req.xid, core.db.zxid, 0, r.ExistsResponse(node.stat()))


def _get_data(core: Core, conn: Connection, req, now: int) -> Result:
    path = req.record.path
    node = core.existing(path)
    acl.check(node.acl, op.READ, conn.auth_ids)
    if req.record.watch:
        core.watches.add_data(path, conn)
    return Result(req.xid, core.db.zxid, 0, r.GetDataResponse(node.data, node.stat()))


def _get_children(core: Core, conn: Connection, req, now: int) -> Result:
    path = req.record.path
    node = core.existing(path)
    acl.check(node.acl, op.READ, conn.auth_ids)
    if req.record.watch:
        core.watches.add_child(path, conn)
    children = list(node.children)
    if req.opcode == op.GET_CHILDREN:
        return Result(req.xid, core.db.zxid, 0, r.GetChildrenResponse(children))
    return Result(req.xid, core.db.zxid, 0, r.GetChildren2Response(children, node.stat()))


def _get_acl(core: Core, conn: Connection, req, now: int) -> Result:
    node = core.existing(req.record.path)
    acl.check(node.acl, op.READ | op.ADMIN, conn.auth_ids)
    return Result(req.xid, core.db.zxid, 0, r.GetACLResponse(list(acl.masked(node.acl, conn.auth_ids)), node.stat()))


def _sync(core: Core, conn: Connection, req, now: int) -> Result:
    return Result(req.xid, core.db.zxid, 0, r.SyncResponse(req.record.path))


def _ping(core: Core, conn: Connection, req, now: int) -> Result:
    return Result(req.xid, core.db.zxid)


def _auth(core: Core, conn: Connection, req, now: int) -> Result:
    try:
        ident = acl.authenticate(req.record.scheme, req.record.auth, core.limits.super_digest)
    except KeeperError as exc:
        return Result(req.xid, core.db.zxid, exc.code, close=True)
    if ident not in conn.auth_ids:
        conn.auth_ids.append(ident)
    return Result(req.xid, core.db.zxid)


def _set_watches(core: Core, conn: Connection, req, now: int) -> Result:
    """DataTree.setWatches: re-arm watches after a reconnect, firing at once what changed meanwhile."""
    w, tree, rel = req.record, core.db.tree, req.record.relativeZxid
    notes = []
    for path in w.dataWatches or ():
        node = tree.get(path)
        if node is None:
            notes.append((conn, op.NODE_DELETED, path))
        elif node.mzxid > rel:
            notes.append((conn, op.NODE_DATA_CHANGED, path))
        else:
            core.watches.add_data(path, conn)
    for path in w.existWatches or ():
        if tree.get(path) is not None:
            notes.append((conn, op.NODE_CREATED, path))
        else:
            core.watches.add_data(path, conn)
    for path in w.childWatches or ():
        node = tree.get(path)
        if node is None:
            notes.append((conn, op.NODE_DELETED, path))
        elif node.pzxid > rel:
            notes.append((conn, op.NODE_CHILDREN_CHANGED, path))
        else:
            core.watches.add_child(path, conn)
    if req.opcode == op.SET_WATCHES2:
        for path in w.persistentWatches or ():
            core.watches.add_persistent(path, conn, recursive=False)
        for path in w.persistentRecursiveWatches or ():
            core.watches.add_persistent(path, conn, recursive=True)
    return Result(req.xid, core.db.zxid, notifications=notes)


def _add_watch(core: Core, conn: Connection, req, now: int) -> Result:
    core.watches.add_persistent(req.record.path, conn, recursive=req.record.mode == op.PERSISTENT_RECURSIVE_WATCH)
    return Result(req.xid, core.db.zxid, 0, r.ErrorResponse(0))


def _remove_watches(core: Core, conn: Connection, req, now: int) -> Result:
    path, kind = req.record.path, req.record.type
    if req.opcode == op.CHECK_WATCHES:
        found = core.watches.has(path, conn, kind)
        return Result(req.xid, core.db.zxid, 0 if found else errors.NO_WATCHER)
    if not core.watches.remove(path, conn, kind):
        return Result(req.xid, core.db.zxid, errors.NO_WATCHER)
    return Result(req.xid, core.db.zxid)


def _get_ephemerals(core: Core, conn: Connection, req, now: int) -> Result:
    prefix = req.record.prefixPath or "/"
    owned = core.db.tree.ephemerals.get(conn.session_id, set())
    paths = [p for p in owned if prefix == "/" or p.startswith(prefix)]
    return Result(req.xid, core.db.zxid, 0, r.GetEphemeralsResponse(_java_hash_set_order(paths)))


def _java_hash_set_order(paths: list) -> list:
    """The order a java.util.HashSet of these strings iterates in, as ZooKeeper returns them."""
    capacity = 16
    while len(paths) > capacity * 3 // 4:
        capacity *= 2

    def bucket(text: str) -> int:  # HashMap.hash: the hash's high half folded into the low
        h = string_hash(text) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(paths, key=bucket)


def _get_all_children_number(core: Core, conn: Connection, req, now: int) -> Result:
    path = req.record.path
    node = core.existing(path)
    acl.check(node.acl, op.READ, conn.auth_ids)
    return Result(req.xid, core.db.zxid, 0, r.GetAllChildrenNumberResponse(core.db.tree.descendants(path)))


def _who_am_i(core: Core, conn: Connection, req, now: int) -> Result:
    infos = [r.ClientInfo(i.scheme, i.id.split(":", 1)[0] if i.scheme == "digest" else i.id) for i in conn.auth_ids]
    return Result(req.xid, core.db.zxid, 0, r.WhoAmIResponse(infos))


def _multi_read(core: Core, conn: Connection, req, now: int) -> Result:
    results: list[tuple[int, int, Record | None]] = []
    for opcode, sub in req.record:
        try:
            node = core.existing(sub.path)
            acl.check(node.acl, op.READ, conn.auth_ids)
            if opcode == op.GET_DATA:
                results.append((opcode, 0, r.GetDataResponse(node.data, node.stat())))
            else:
                results.append((opcode, 0, r.GetChildrenResponse(list(node.children))))
        except KeeperError as exc:
            results.append((op.ERROR, exc.code, None))
    return Result(req.xid, core.db.zxid, 0, results, multi=True)


def _reconfig(core: Core, conn: Connection, req, now: int) -> Result:
    raise KeeperError(errors.RECONFIG_DISABLED)


def _close_session(core: Core, conn: Connection, req, now: int) -> Result:
    zxid, triggers = core.db.write(conn.session_id, req.xid, op.CLOSE_SESSION, r.Empty(), now)
    return Result(req.xid, zxid, notifications=core.fire(triggers), close=True, closed_sessions=[conn.session_id])


_OPS = {
    op.CREATE: _create,
    op.CREATE2: _create,
    op.CREATE_CONTAINER: _create,
    op.CREATE_TTL: _create,
    op.DELETE: _delete,
    op.SET_DATA: _set_data,
    op.SET_ACL: _set_acl,
    op.CHECK: _check,
    op.MULTI: _multi,
    op.EXISTS: _exists,
    op.GET_DATA: _get_data,
    op.GET_CHILDREN: _get_children,
    op.GET_CHILDREN2: _get_children,
    op.GET_ACL: _get_acl,
    op.SYNC: _sync,
    op.PING: _ping,
    op.AUTH: _auth,
    op.SET_WATCHES: _set_watches,
    op.SET_WATCHES2: _set_watches,
    op.ADD_WATCH: _add_watch,
    op.REMOVE_WATCHES: _remove_watches,
    op.CHECK_WATCHES: _remove_watches,
    op.GET_EPHEMERALS: _get_ephemerals,
    op.GET_ALL_CHILDREN_NUMBER: _get_all_children_number,
    op.WHO_AM_I: _who_am_i,
    op.MULTI_READ: _multi_read,
    op.RECONFIG: _reconfig,
    op.CLOSE_SESSION: _close_session,
}
