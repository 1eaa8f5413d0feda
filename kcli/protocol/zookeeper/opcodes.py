"""Opcodes, special xids, flags and event/state numbers of ZooKeeper's client protocol (ZooDefs.OpCode, Watcher)."""

from __future__ import annotations

from kcli.protocol.zookeeper import records as r
from kcli.protocol.zookeeper.jute import Record

NOTIFICATION = 0
CREATE = 1
DELETE = 2
EXISTS = 3
GET_DATA = 4
SET_DATA = 5
GET_ACL = 6
SET_ACL = 7
GET_CHILDREN = 8
SYNC = 9
PING = 11
GET_CHILDREN2 = 12
CHECK = 13
MULTI = 14
CREATE2 = 15
RECONFIG = 16
CHECK_WATCHES = 17
REMOVE_WATCHES = 18
CREATE_CONTAINER = 19
DELETE_CONTAINER = 20
CREATE_TTL = 21
MULTI_READ = 22
AUTH = 100
SET_WATCHES = 101
SASL = 102
GET_EPHEMERALS = 103
GET_ALL_CHILDREN_NUMBER = 104
SET_WATCHES2 = 105
ADD_WATCH = 106
WHO_AM_I = 107
CREATE_SESSION = -10
CLOSE_SESSION = -11
ERROR = -1  # MultiHeader type of a failed op

# Request record read after the RequestHeader, by opcode.
REQUESTS: dict[int, type[Record]] = {
    CREATE: r.CreateRequest,
    CREATE2: r.CreateRequest,
    CREATE_CONTAINER: r.CreateRequest,
    CREATE_TTL: r.CreateTTLRequest,
    DELETE: r.DeleteRequest,
    EXISTS: r.ExistsRequest,
    GET_DATA: r.GetDataRequest,
    SET_DATA: r.SetDataRequest,
    GET_ACL: r.GetACLRequest,
    SET_ACL: r.SetACLRequest,
    GET_CHILDREN: r.GetChildrenRequest,
    GET_CHILDREN2: r.GetChildren2Request,
    SYNC: r.SyncRequest,
    PING: r.Empty,
    CHECK: r.CheckVersionRequest,
    RECONFIG: r.ReconfigRequest,
    CHECK_WATCHES: r.CheckWatchesRequest,
    REMOVE_WATCHES: r.RemoveWatchesRequest,
    AUTH: r.AuthPacket,
    SET_WATCHES: r.SetWatches,
    SET_WATCHES2: r.SetWatches2,
    SASL: r.GetSASLRequest,
    GET_EPHEMERALS: r.GetEphemeralsRequest,
    GET_ALL_CHILDREN_NUMBER: r.GetAllChildrenNumberRequest,
    ADD_WATCH: r.AddWatchRequest,
    WHO_AM_I: r.Empty,
    CLOSE_SESSION: r.Empty,
}
# Response record after a ReplyHeader with err 0 (None: no body).
RESPONSES: dict[int, type[Record] | None] = {
    CREATE: r.CreateResponse,
    CREATE2: r.Create2Response,
    CREATE_CONTAINER: r.Create2Response,
    CREATE_TTL: r.Create2Response,
    DELETE: None,
    EXISTS: r.ExistsResponse,
    GET_DATA: r.GetDataResponse,
    SET_DATA: r.SetDataResponse,
    GET_ACL: r.GetACLResponse,
    SET_ACL: r.SetACLResponse,
    GET_CHILDREN: r.GetChildrenResponse,
    GET_CHILDREN2: r.GetChildren2Response,
    SYNC: r.SyncResponse,
    PING: None,
    CHECK: r.SetDataResponse,
    CHECK_WATCHES: None,
    REMOVE_WATCHES: None,
    AUTH: None,
    SET_WATCHES: None,
    SET_WATCHES2: None,
    GET_EPHEMERALS: r.GetEphemeralsResponse,
    GET_ALL_CHILDREN_NUMBER: r.GetAllChildrenNumberResponse,
    ADD_WATCH: r.ErrorResponse,
    WHO_AM_I: r.WhoAmIResponse,
    CLOSE_SESSION: None,
}
WRITES = frozenset({CREATE, CREATE2, CREATE_CONTAINER, CREATE_TTL, DELETE, SET_DATA, SET_ACL, CHECK, MULTI, RECONFIG})

NAMES = {
    CREATE: "CREA", DELETE: "DELE", EXISTS: "EXIS", GET_DATA: "GETD", SET_DATA: "SETD", GET_ACL: "GETA",
    SET_ACL: "SETA", GET_CHILDREN: "GETC", SYNC: "SYNC", PING: "PING", GET_CHILDREN2: "GET2", CHECK: "CKV",
    MULTI: "MULT", CREATE2: "CRE2", RECONFIG: "RCFG", CHECK_WATCHES: "CHKW", REMOVE_WATCHES: "REMW",
    CREATE_CONTAINER: "CCON", CREATE_TTL: "CTTL", MULTI_READ: "MLTR", AUTH: "AUTH", SET_WATCHES: "SETW",
    SASL: "SASL", GET_EPHEMERALS: "GETE", GET_ALL_CHILDREN_NUMBER: "GTACN", SET_WATCHES2: "STW2",
    ADD_WATCH: "ADDW", WHO_AM_I: "HOMI", CLOSE_SESSION: "CLOS", CREATE_SESSION: "SESS",
}  # the short names ZooKeeper's `cons` prints as lop= (Request.op2String)

# Special xids.
NOTIFICATION_XID = -1
PING_XID = -2
AUTH_XID = -4

# Create flags (CreateMode.fromFlag).
PERSISTENT, EPHEMERAL, PERSISTENT_SEQUENTIAL, EPHEMERAL_SEQUENTIAL, CONTAINER = 0, 1, 2, 3, 4
PERSISTENT_WITH_TTL, PERSISTENT_SEQUENTIAL_WITH_TTL = 5, 6

# Permissions (ZooDefs.Perms).
READ, WRITE, CREATE_PERM, DELETE_PERM, ADMIN, ALL = 1, 2, 4, 8, 16, 31

# Watcher.Event.EventType and KeeperState.
NODE_CREATED, NODE_DELETED, NODE_DATA_CHANGED, NODE_CHILDREN_CHANGED = 1, 2, 3, 4
DATA_WATCH_REMOVED, CHILD_WATCH_REMOVED, PERSISTENT_WATCH_REMOVED = 5, 6, 7
SYNC_CONNECTED = 3

# WatcherType of removeWatches/checkWatches; AddWatchMode.
WATCHER_CHILDREN, WATCHER_DATA, WATCHER_ANY = 1, 2, 3
PERSISTENT_WATCH, PERSISTENT_RECURSIVE_WATCH = 0, 1
