"""Transactions: what a write did, as logged and as replayed.

Every state change — a session created or closed, a node created, deleted,
changed, its ACL set, a multi, even a failed write (which still takes a
zxid) — is one transaction ``TxnHeader + record`` with its own zxid. The
same :func:`apply` runs live and when the log is replayed at start-up, so the
tree after recovery is the tree clients saw. Records (jute):

    TxnHeader{long sessionId; int cxid; long zxid; long time; int type}
    create (1)         CreateTxn{ustring path; buffer data; vector<ACL> acl; long ephemeralOwner; boolean container}
    delete (2)         DeleteTxn{ustring path}
    setData (5)        SetDataTxn{ustring path; buffer data}
    setACL (7)         SetACLTxn{ustring path; vector<ACL> acl}
    check (13)         nothing (only inside a multi)
    multi (14)         MultiTxn{vector<Txn{int type; buffer txn}>}
    createSession (-10) CreateSessionTxn{int timeOut}
    closeSession (-11) nothing: the session's ephemerals are deleted with it
    error (-1)         ErrorTxn{int err}
"""

from __future__ import annotations

from kcli.protocol.zookeeper import opcodes as op
from kcli.protocol.zookeeper.jute import Reader, Record, record
from kcli.protocol.zookeeper.records import Empty

TxnHeader = record("TxnHeader", "long sessionId; int cxid; long zxid; long time; int type")
CreateTxn = record("CreateTxn", "ustring path; buffer data; vector<ACL> acl; long ephemeralOwner; boolean container")
DeleteTxn = record("DeleteTxn", "ustring path")
SetDataTxn = record("SetDataTxn", "ustring path; buffer data")
SetACLTxn = record("SetACLTxn", "ustring path; vector<ACL> acl")
CreateSessionTxn = record("CreateSessionTxn", "int timeOut")
ErrorTxn = record("ErrorTxn", "int err")
Txn = record("Txn", "int type; buffer txn")
MultiTxn = record("MultiTxn", "vector<Txn> txns")

RECORDS = {
    op.CREATE: CreateTxn,
    op.DELETE: DeleteTxn,
    op.SET_DATA: SetDataTxn,
    op.SET_ACL: SetACLTxn,
    op.CHECK: Empty,
    op.MULTI: MultiTxn,
    op.CREATE_SESSION: CreateSessionTxn,
    op.CLOSE_SESSION: Empty,
    op.ERROR: ErrorTxn,
}


def encode(header, body) -> bytes:
    out = bytearray()
    TxnHeader.write(out, header)
    type(body).write(out, body)
    return bytes(out)


def decode(payload: bytes):
    reader = Reader(payload)
    header = TxnHeader.read(reader)
    return header, RECORDS[header.type].read(reader)


def multi(parts) -> Record:  # a MultiTxn
    """A MultiTxn from ``(type, record)`` parts."""
    return MultiTxn([Txn(kind, body.to_bytes()) for kind, body in parts])


def apply(tree, sessions, header, body, now: int) -> list:
    """Apply one transaction to the tree and session table; the watch triggers it causes."""
    kind, zxid = header.type, header.zxid
    if kind == op.CREATE:
        return tree.create(body.path, body.data, body.acl, body.ephemeralOwner, body.container, zxid, header.time)
    if kind == op.DELETE:
        return tree.delete(body.path, zxid)
    if kind == op.SET_DATA:
        return tree.set_data(body.path, body.data, zxid, header.time)
    if kind == op.SET_ACL:
        tree.set_acl(body.path, body.acl)
        return []
    if kind == op.MULTI:
        triggers = []
        for part in body.txns:
            sub = TxnHeader(header.sessionId, header.cxid, zxid, header.time, part.type)
            triggers += apply(tree, sessions, sub, RECORDS[part.type].from_bytes(part.txn), now)
        return triggers
    if kind == op.CREATE_SESSION:
        sessions.add(header.sessionId, body.timeOut, now)
        return []
    if kind == op.CLOSE_SESSION:
        triggers = []
        for path in sorted(tree.ephemerals.get(header.sessionId, ()), reverse=True):
            triggers += tree.delete(path, zxid)
        sessions.remove(header.sessionId)
        return triggers
    return []  # check, error: only the zxid
