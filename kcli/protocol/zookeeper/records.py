"""The records of ZooKeeper 3.8's client protocol (zookeeper.jute), by their jute names."""

from __future__ import annotations

from kcli.protocol.zookeeper.jute import record

Id = record("Id", "ustring scheme; ustring id")
ACL = record("ACL", "int perms; Id id")
Stat = record(
    "Stat",
    "long czxid; long mzxid; long ctime; long mtime; int version; int cversion; int aversion; "
    "long ephemeralOwner; int dataLength; int numChildren; long pzxid",
)

ConnectRequest = record("ConnectRequest", "int protocolVersion; long lastZxidSeen; int timeOut; long sessionId; buffer passwd")
ConnectResponse = record("ConnectResponse", "int protocolVersion; int timeOut; long sessionId; buffer passwd")
RequestHeader = record("RequestHeader", "int xid; int type")
ReplyHeader = record("ReplyHeader", "int xid; long zxid; int err")
MultiHeader = record("MultiHeader", "int type; boolean done; int err")
WatcherEvent = record("WatcherEvent", "int type; int state; ustring path")
AuthPacket = record("AuthPacket", "int type; ustring scheme; buffer auth")

SetWatches = record(
    "SetWatches", "long relativeZxid; vector<ustring> dataWatches; vector<ustring> existWatches; vector<ustring> childWatches"
)
SetWatches2 = record(
    "SetWatches2",
    "long relativeZxid; vector<ustring> dataWatches; vector<ustring> existWatches; vector<ustring> childWatches; "
    "vector<ustring> persistentWatches; vector<ustring> persistentRecursiveWatches",
)

CreateRequest = record("CreateRequest", "ustring path; buffer data; vector<ACL> acl; int flags")
CreateTTLRequest = record("CreateTTLRequest", "ustring path; buffer data; vector<ACL> acl; int flags; long ttl")
DeleteRequest = record("DeleteRequest", "ustring path; int version")
ExistsRequest = record("ExistsRequest", "ustring path; boolean watch")
GetDataRequest = record("GetDataRequest", "ustring path; boolean watch")
SetDataRequest = record("SetDataRequest", "ustring path; buffer data; int version")
GetACLRequest = record("GetACLRequest", "ustring path")
SetACLRequest = record("SetACLRequest", "ustring path; vector<ACL> acl; int version")
GetChildrenRequest = record("GetChildrenRequest", "ustring path; boolean watch")
GetChildren2Request = record("GetChildren2Request", "ustring path; boolean watch")
SyncRequest = record("SyncRequest", "ustring path")
CheckVersionRequest = record("CheckVersionRequest", "ustring path; int version")
RemoveWatchesRequest = record("RemoveWatchesRequest", "ustring path; int type")
CheckWatchesRequest = record("CheckWatchesRequest", "ustring path; int type")
GetEphemeralsRequest = record("GetEphemeralsRequest", "ustring prefixPath")
GetAllChildrenNumberRequest = record("GetAllChildrenNumberRequest", "ustring path")
AddWatchRequest = record("AddWatchRequest", "ustring path; int mode")
ReconfigRequest = record("ReconfigRequest", "ustring joiningServers; ustring leavingServers; ustring newMembers; long curConfigId")
GetSASLRequest = record("GetSASLRequest", "buffer token")
Empty = record("Empty", "")

CreateResponse = record("CreateResponse", "ustring path")
Create2Response = record("Create2Response", "ustring path; Stat stat")
ExistsResponse = record("ExistsResponse", "Stat stat")
GetDataResponse = record("GetDataResponse", "buffer data; Stat stat")
SetDataResponse = record("SetDataResponse", "Stat stat")
GetACLResponse = record("GetACLResponse", "vector<ACL> acl; Stat stat")
SetACLResponse = record("SetACLResponse", "Stat stat")
GetChildrenResponse = record("GetChildrenResponse", "vector<ustring> children")
GetChildren2Response = record("GetChildren2Response", "vector<ustring> children; Stat stat")
SyncResponse = record("SyncResponse", "ustring path")
ErrorResponse = record("ErrorResponse", "int err")
GetEphemeralsResponse = record("GetEphemeralsResponse", "vector<ustring> ephemerals")
GetAllChildrenNumberResponse = record("GetAllChildrenNumberResponse", "int totalNumber")
ClientInfo = record("ClientInfo", "ustring authScheme; ustring user")
WhoAmIResponse = record("WhoAmIResponse", "vector<ClientInfo> clientInfo")
