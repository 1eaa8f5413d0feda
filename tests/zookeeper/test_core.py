"""The pure core, driven with ``now``: sessions, the cversion rule, multi, watches, ACLs, recovery."""

from kcli.protocol.zookeeper import errors
from kcli.protocol.zookeeper import opcodes as op
from kcli.protocol.zookeeper import records as r
from kcli.zookeeper import acl
from kcli.zookeeper.tree import OPEN_ACL_UNSAFE

from .conftest import T0, Client, make_core

OPEN = list(OPEN_ACL_UNSAFE)


def create(client, path, data=b"", flags=0, now=T0, acl_list=OPEN):
    return client.call(op.CREATE, r.CreateRequest(path, data, acl_list, flags), now)


def test_timeout_is_clamped_and_silent_sessions_expire_within_a_tick(core):
    short = Client(core, timeout=1000)  # tick 2000: clamp to [4000, 40000]
    assert core.db.sessions.sessions[short.session_id].timeout == 4000
    long = Client(core, timeout=100000)
    assert core.db.sessions.sessions[long.session_id].timeout == 40000
    assert create(short, "/eph", flags=op.EPHEMERAL).err == 0
    assert core.expire(T0 + 3999) == ([], [])
    watcher = Client(core)
    watcher.call(op.EXISTS, r.ExistsRequest("/eph", True))
    core.touch(long.conn, T0 + 5000)
    core.touch(watcher.conn, T0 + 5000)
    expired, notes = core.expire(T0 + 6000)  # timeout + at most one tick after the last packet
    assert expired == [short.session_id]
    assert [(w, e, p) for w, e, p in notes] == [(watcher.conn, op.NODE_DELETED, "/eph")]
    assert core.db.tree.get("/eph") is None


def test_cversion_counts_creates_and_deletes_and_names_sequentials(core):
    c = Client(core)
    create(c, "/kz")
    create(c, "/kz/a")
    assert create(c, "/kz/s-", flags=op.PERSISTENT_SEQUENTIAL).record.path == "/kz/s-0000000001"
    c.call(op.DELETE, r.DeleteRequest("/kz/a", -1))
    assert create(c, "/kz/s-", flags=op.PERSISTENT_SEQUENTIAL).record.path == "/kz/s-0000000002"
    stat = c.call(op.EXISTS, r.ExistsRequest("/kz", False)).record.stat
    assert (stat.cversion, stat.numChildren) == (4, 2)  # 3 creates + 1 delete


def test_null_data_stays_null_and_empty_stays_empty(core):
    c = Client(core)
    create(c, "/null", data=None)
    create(c, "/empty", data=b"")
    assert c.call(op.GET_DATA, r.GetDataRequest("/null", False)).record.data is None
    assert c.call(op.GET_DATA, r.GetDataRequest("/empty", False)).record.data == b""


def test_create_checks_in_zookeepers_order(core):
    c = Client(core)
    create(c, "/e", flags=op.EPHEMERAL)
    assert create(c, "/e/child").err == errors.NO_CHILDREN_FOR_EPHEMERALS
    assert create(c, "/e", flags=op.EPHEMERAL).err == errors.NODE_EXISTS  # exists is checked before the parent type
    assert create(c, "/nope/x").err == errors.NO_NODE
    assert create(c, "/x", flags=7).err == errors.BAD_ARGUMENTS
    assert create(c, "/x", acl_list=[]).err == errors.INVALID_ACL
    assert create(c, "/x/").err == errors.NO_NODE
    assert c.call(op.DELETE, r.DeleteRequest("/zookeeper", -1)).err == errors.BAD_ARGUMENTS
    zxids = [create(c, "/e").zxid, create(c, "/e").zxid]
    assert zxids[1] == zxids[0] + 1  # failed writes take a zxid too


def test_multi_is_all_or_nothing_with_zookeepers_per_op_results(core):
    c = Client(core)
    create(c, "/m")
    before = core.zxid
    result = c.call(op.MULTI, [
        (op.CHECK, r.CheckVersionRequest("/m", 0)),
        (op.CREATE, r.CreateRequest("/m/new", b"", OPEN, 0)),
        (op.DELETE, r.DeleteRequest("/missing", -1)),
        (op.SET_DATA, r.SetDataRequest("/m", b"x", -1)),
    ])
    assert result.err == 0 and result.zxid == before + 1
    assert [(o, e) for o, e, _ in result.record] == [(-1, 0), (-1, 0), (-1, errors.NO_NODE), (-1, errors.RUNTIME_INCONSISTENCY)]
    assert core.db.tree.get("/m/new") is None and core.db.tree.get("/m").cversion == 0
    ok = c.call(op.MULTI, [
        (op.CREATE, r.CreateRequest("/m/t", b"", OPEN, 0)),
        (op.SET_DATA, r.SetDataRequest("/m/t", b"1", 0)),  # sees the create before it
    ])
    assert [(o, e) for o, e, _ in ok.record] == [(op.CREATE, 0), (op.SET_DATA, 0)]
    stat = ok.record[1][2].stat
    assert stat.czxid == stat.mzxid == ok.zxid and stat.version == 1


def test_watch_fires_once_per_connection_and_exists_on_missing_hears_the_create(core):
    writer, reader = Client(core), Client(core)
    create(writer, "/w")
    reader.call(op.GET_DATA, r.GetDataRequest("/w", True))
    reader.call(op.GET_DATA, r.GetDataRequest("/w", True))
    reader.call(op.EXISTS, r.ExistsRequest("/w", True))
    assert reader.call(op.EXISTS, r.ExistsRequest("/w/later", True)).err == errors.NO_NODE
    reader.call(op.GET_CHILDREN, r.GetChildrenRequest("/w", True))
    changed = writer.call(op.SET_DATA, r.SetDataRequest("/w", b"1", -1))
    assert [(e, p) for _, e, p in changed.notifications] == [(op.NODE_DATA_CHANGED, "/w")]
    assert writer.call(op.SET_DATA, r.SetDataRequest("/w", b"2", -1)).notifications == []  # one-shot
    created = create(writer, "/w/later")
    assert [(e, p) for _, e, p in created.notifications] == [(op.NODE_CREATED, "/w/later"), (op.NODE_CHILDREN_CHANGED, "/w")]


def test_persistent_recursive_watch_hears_the_subtree_but_not_child_changes(core):
    writer, watcher = Client(core), Client(core)
    create(writer, "/jw")
    watcher.call(op.ADD_WATCH, r.AddWatchRequest("/jw", op.PERSISTENT_RECURSIVE_WATCH))
    heard = []
    for result in (create(writer, "/jw/c1"), create(writer, "/jw/c1/deep"),
                   writer.call(op.SET_DATA, r.SetDataRequest("/jw/c1", b"x", -1)),
                   writer.call(op.DELETE, r.DeleteRequest("/jw/c1/deep", -1))):
        heard += [(e, p) for _, e, p in result.notifications]
    assert heard == [(op.NODE_CREATED, "/jw/c1"), (op.NODE_CREATED, "/jw/c1/deep"), (op.NODE_DATA_CHANGED, "/jw/c1"),
                     (op.NODE_DELETED, "/jw/c1/deep")]


def test_set_watches_fires_what_changed_while_away(core):
    c = Client(core)
    create(c, "/sw")
    seen = core.zxid
    c.call(op.SET_DATA, r.SetDataRequest("/sw", b"new", -1))
    create(c, "/born")
    result = c.call(op.SET_WATCHES, r.SetWatches(seen, ["/sw"], ["/born", "/unborn"], ["/gone"]))
    assert sorted((e, p) for _, e, p in result.notifications) == [
        (op.NODE_CREATED, "/born"), (op.NODE_DELETED, "/gone"), (op.NODE_DATA_CHANGED, "/sw")]
    assert core.watches.has("/unborn", c.conn, op.WATCHER_DATA)


def test_digest_acl_and_super(core):
    owner, stranger = Client(core), Client(core)
    assert owner.call(op.AUTH, r.AuthPacket(0, "digest", b"user:secret")).err == 0
    create(owner, "/private", b"s", acl_list=[r.ACL(op.ALL, r.Id("auth", ""))])
    stored = core.db.tree.get("/private").acl
    assert stored == (r.ACL(op.ALL, r.Id("digest", acl.digest("user:secret"))),)
    assert stranger.call(op.GET_DATA, r.GetDataRequest("/private", False)).err == errors.NO_AUTH
    bad = stranger.call(op.AUTH, r.AuthPacket(0, "nope", b"x"))
    assert bad.err == errors.AUTH_FAILED and bad.close
    admin = Client(core)
    admin.call(op.AUTH, r.AuthPacket(0, "digest", b"super:test"))
    assert admin.call(op.GET_DATA, r.GetDataRequest("/private", False)).record.data == b"s"
    who = owner.call(op.WHO_AM_I, r.Empty()).record.clientInfo
    assert [(i.authScheme, i.user) for i in who] == [("ip", "127.0.0.1"), ("digest", "user")]


def test_reattach_needs_the_derived_password(core):
    c = Client(core)
    other = Client(core)
    good = core.connect(other.conn, r.ConnectRequest(0, core.zxid, 30000, c.session_id, c.passwd), T0)
    assert good.sessionId == c.session_id and good.timeOut == 30000
    bad = core.connect(other.conn, r.ConnectRequest(0, 0, 30000, c.session_id, bytes(16)), T0)
    assert (bad.timeOut, bad.sessionId, bad.passwd) == (0, 0, bytes(16))
    ahead = core.connect(other.conn, r.ConnectRequest(0, core.zxid + 1, 30000, 0, bytes(16)), T0)
    assert ahead is None  # a client that has seen more than this server is refused without a reply


def test_recovery_replays_the_log_cuts_a_torn_tail_and_restores_sessions(tmp_path):
    core = make_core(tmp_path / "zk")
    c = Client(core)
    create(c, "/kept", b"1")
    create(c, "/kept/eph", b"", flags=op.EPHEMERAL)
    zxid = core.zxid
    core.db.sync()
    log_path = core.db._log.path
    core.db._log.close()  # a crash: no snapshot
    with open(log_path, "ab") as f:
        f.write(b"\x00\x00\x00\x40garbage")  # a torn, never-acknowledged entry
    later = T0 + 60_000
    again = make_core(tmp_path / "zk", now=later)
    assert again.zxid == zxid and again.db.recovered_txns == 3  # createSession + 2 creates
    assert again.db.tree.get("/kept").data == b"1"
    assert again.db.tree.get("/kept/eph").ephemeral_owner == c.session_id
    session = again.db.sessions.sessions[c.session_id]
    assert session.expires_at > later  # the expiry clock restarts at load time
    assert b"garbage" not in log_path.read_bytes()
    again.db.close(clean=False)


def test_snapshots_roll_the_log_and_old_files_are_purged(tmp_path):
    core = make_core(tmp_path / "zk", snap_count=10)
    c = Client(core)
    for i in range(45):
        create(c, f"/n{i}")
        if core.db.snapshot_due():
            core.db.take_snapshot()
    files = sorted(p.name for p in core.db.dir.iterdir())
    assert len([f for f in files if f.startswith("snapshot.")]) == 3
    core.db.close(clean=True)
    again = make_core(tmp_path / "zk", now=T0 + 1)
    assert all(again.db.tree.get(f"/n{i}") is not None for i in range(45))
    assert again.zxid == core.zxid
    again.db.close(clean=False)


def test_empty_containers_are_reaped_once_they_have_had_children(core):
    c = Client(core)
    c.call(op.CREATE_CONTAINER, r.CreateRequest("/never-used", b"", OPEN, op.CONTAINER))
    c.call(op.CREATE_CONTAINER, r.CreateRequest("/used", b"", OPEN, op.CONTAINER))
    create(c, "/used/child")
    watcher = Client(core)
    watcher.call(op.EXISTS, r.ExistsRequest("/used", True))
    assert core.reap_containers(T0) == []
    c.call(op.DELETE, r.DeleteRequest("/used/child", -1))
    notes = core.reap_containers(T0 + 60_000)
    assert [(e, p) for _, e, p in notes] == [(op.NODE_DELETED, "/used")]
    assert core.db.tree.get("/used") is None and core.db.tree.get("/never-used") is not None


def test_a_recursive_watch_hears_nothing_of_nodes_it_may_not_read(core):
    owner, watcher = Client(core), Client(core)
    owner.call(op.AUTH, r.AuthPacket(0, "digest", b"owner:pw"))
    create(owner, "/tree")
    watcher.call(op.ADD_WATCH, r.AddWatchRequest("/tree", op.PERSISTENT_RECURSIVE_WATCH))
    hidden = create(owner, "/tree/secret", acl_list=[r.ACL(op.ALL, r.Id("auth", ""))])
    public = create(owner, "/tree/public")
    assert hidden.notifications == []
    assert [(e, p) for _, e, p in public.notifications] == [(op.NODE_CREATED, "/tree/public")]
