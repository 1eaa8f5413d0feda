"""``kcli zookeeper-shell`` against Apache ZooKeeper itself: zkCli 3.8's output, line for line.

``fixtures/zkcli_shell_out.txt`` is what Debian's ZooKeeper 3.8.0 ``zkCli.sh -server 127.0.0.1:PORT <
zkcli_shell_cmds.txt`` printed (stderr merged, SLF4J noise dropped) against a fresh standalone server.

One Apache ZooKeeper serves the module (a JVM start per test cost a second or more); before each test
every znode but ``/zookeeper`` is deleted, so each test starts on a tree as fresh as a new server's.
"""

import io
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.security import OPEN_ACL_UNSAFE, make_acl
from prompt_toolkit.document import Document
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.plain_text import PlainTextOutput

from kcli.cli import render
from kcli.cli.zookeeper_shell import run_interactive, znode_completer
from kcli.tools import zookeeper_shell as tool
from tests.relay import Relay
from tests.waiting import wait_for
from tests.zk_real import start_real_zookeeper

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DATE = re.compile(r"\b[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} \S+ \d{4}\b")
ZXID = re.compile(r"^(cZxid|mZxid|pZxid) = 0x[0-9a-f]+$", re.M)


def masked(text: str) -> str:
    return ZXID.sub(r"\1 = <zxid>", DATE.sub("<date>", text))


@pytest.fixture(scope="module")
def module_zookeeper(tmp_path_factory):
    server = start_real_zookeeper(tmp_path_factory.mktemp("real-zookeeper"))
    yield server
    server.stop()


def _delete_tree(client: KazooClient, path: str) -> None:
    """``path`` and what is under it, opening ACLs that allow it (a node without READ is taken as a leaf)."""
    try:
        client.set_acls(path, OPEN_ACL_UNSAFE)
    except NoAuthError:
        pass
    try:
        children = client.get_children(path)
    except NoAuthError:
        children = []
    for child in children:
        _delete_tree(client, f"{path}/{child}")
    client.delete(path)


@pytest.fixture
def real_zookeeper(module_zookeeper):
    """The module's server (running: a test may have stopped it), holding only ``/zookeeper``."""
    if module_zookeeper.process is None:
        module_zookeeper.start()
    client = KazooClient(hosts=module_zookeeper.connect)
    client.start(timeout=15)
    try:
        for child in client.get_children("/"):
            if child != "zookeeper":
                _delete_tree(client, f"/{child}")
    finally:
        client.stop()
        client.close()
    return module_zookeeper


@pytest.fixture
def zk(real_zookeeper):
    client = KazooClient(hosts=real_zookeeper.connect)
    client.start(timeout=15)
    yield client
    client.stop()
    client.close()


def watcher_block(state, type_, path="null"):
    return f"\nWATCHER::\n\nWatchedEvent state:{state} type:{type_} path:{path}\n"


def test_command_transcript_prints_what_zkcli_prints(real_zookeeper):
    """The same commands, piped in, give zkCli's transcript once dates and zxids are masked."""
    commands = (FIXTURES / "zkcli_shell_cmds.txt").read_bytes()
    ran = subprocess.run([sys.executable, "-m", "kcli", "zookeeper-shell", real_zookeeper.connect], input=commands,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    assert ran.returncode == 0
    expected = (FIXTURES / "zkcli_shell_out.txt").read_text(encoding="utf-8").replace("127.0.0.1:PORT", real_zookeeper.connect)
    zkcli_banner = ("Welcome to ZooKeeper!\n", "JLine support is disabled\n")  # zkCli's own greeting, not kcli's
    for line in zkcli_banner:
        expected = expected.replace(line, "", 1)
    assert masked(ran.stdout.decode()) == masked(expected)


def test_one_shot_prints_only_the_data_on_stdout(kcli, real_zookeeper, zk):
    zk.create("/brokers/ids/0", b'{"port":9092}', makepath=True)
    listed = kcli("zookeeper-shell", real_zookeeper.connect, "ls", "/brokers/ids")
    assert (listed.exit_code, listed.stdout) == (0, "[0]\n")
    assert listed.stderr == f"Connecting to {real_zookeeper.connect}\n" + watcher_block("SyncConnected", "None")
    assert kcli("zookeeper-shell", real_zookeeper.connect, "get", "/brokers/ids/0").stdout == '{"port":9092}\n'


def test_one_shot_matches_zkcli_one_shot(kcli, real_zookeeper, zk):
    """Each command run once by ZooKeeper's zkCli and by kcli: same stdout data, stderr line and exit code."""
    zk.create("/roast/dark", b"french", makepath=True)
    zk.create("/roast/light", b"")
    zk.create("/roast/medium")  # kazoo writes empty data; zkCli's create without data writes null
    zk.create("/roast/medium/locked", acl=[make_acl("world", "anyone", create=True)])  # no READ: ls -R stops there
    banner = re.compile(rb"^Connecting to .*\n|^\n?WATCHER::\n\n|^WatchedEvent state:SyncConnected type:None path:null\n", re.M)
    for command in (["get", "-s", "/roast/dark"], ["ls", "-s", "/roast"], ["stat", "/roast/light"], ["getAcl", "-s", "/roast"],
                    ["ls", "-R", "/roast"], ["get", "/roast/medium"], ["get", "/roast/medium/locked"], ["get", "/nope"], ["create", "/roast"], ["ls", "roast"],
                    ["set", "/roast"], ["frob"]):
        theirs = real_zookeeper.zkcli(*command)
        ours = kcli("zookeeper-shell", real_zookeeper.connect, *command)
        their_err, our_err = (banner.sub(b"", text).decode().splitlines()[-1:] for text in (theirs.stderr, ours.stderr.encode()))
        assert (ours.exit_code, masked(ours.stdout), our_err) == (theirs.returncode, masked(banner.sub(b"", theirs.stdout).decode()), their_err), command


def test_ls_recursive_lists_children_before_grandchildren(kcli, real_zookeeper, zk):
    for path in ("/tree/b/x", "/tree/a/y/z", "/tree/a/w"):
        zk.create(path, makepath=True)
    listed = kcli("zookeeper-shell", real_zookeeper.connect, "ls", "-R", "/tree")
    assert listed.stdout.splitlines() == ["/tree", "/tree/a", "/tree/b", "/tree/a/w", "/tree/a/y", "/tree/a/y/z", "/tree/b/x"]
    root = kcli("zookeeper-shell", real_zookeeper.connect, "ls", "-R", "/").stdout.splitlines()
    assert root[:3] == ["/", "/tree", "/zookeeper"] and root[-2:] == ["/zookeeper/config", "/zookeeper/quota"]


def test_create_ephemeral_sequential_and_get_stat(kcli, real_zookeeper, zk):
    zk.create("/queue")
    created = kcli("zookeeper-shell", real_zookeeper.connect, "create", "-e", "-s", "/queue/item-", "first in line")
    assert (created.exit_code, created.stdout, created.stderr.splitlines()[-1]) == (0, "", "Created /queue/item-0000000000")
    assert zk.get_children("/queue") == []  # the one-shot session closed, taking its ephemeral with it

    kcli("zookeeper-shell", real_zookeeper.connect, "create", "/queue/kept", "latte")
    kcli("zookeeper-shell", real_zookeeper.connect, "set", "/queue/kept", "flat white")
    data, stat = zk.get("/queue/kept")
    shown = kcli("zookeeper-shell", real_zookeeper.connect, "get", "-s", "/queue/kept").stdout.splitlines()
    assert [DATE.sub("<date>", line) for line in shown] == [
        "flat white",
        f"cZxid = {stat.czxid:#x}", "ctime = <date>", f"mZxid = {stat.mzxid:#x}", "mtime = <date>",
        f"pZxid = {stat.pzxid:#x}", "cversion = 0", "dataVersion = 1", "aclVersion = 0",
        "ephemeralOwner = 0x0", "dataLength = 10", "numChildren = 0",
    ]
    assert shown[2] == f"ctime = {render.java_date(stat.ctime)}"


def test_errors_are_one_line_on_stderr_with_zkclis_exit_codes(kcli, real_zookeeper, zk):
    server = real_zookeeper.connect
    for args, message in [
        (("get", "/nope"), "Node does not exist: /nope"),
        (("ls", "/nope"), "Node does not exist: /nope"),
        (("delete", "/nope"), "Node does not exist: /nope"),
        (("stat", "/nope"), "Node does not exist: /nope"),
        (("create", "/zookeeper"), "Node already exists: /zookeeper"),
        (("ls", "brokers"), "Path must start with / character"),
        (("ls",), "ls [-s] [-w] [-R] path"),
    ]:
        failed = kcli("zookeeper-shell", server, *args)
        assert (failed.exit_code, failed.stdout, failed.stderr.splitlines()[-1]) == (1, "", message), args
    unknown = kcli("zookeeper-shell", server, "frob", "/x")
    assert unknown.exit_code == 127  # zkCli's exit code for an unknown command
    assert unknown.stderr.splitlines()[-1] == "Command not found: Command not found frob"
    assert "\tls [-s] [-w] [-R] path" in unknown.stderr.splitlines()


def test_setacl_recursive_and_deleteall_in_batches(kcli, real_zookeeper, zk):
    server = real_zookeeper.connect
    for path in ("/beans/arabica/ethiopia", "/beans/arabica/kenya", "/beans/robusta/vietnam"):
        zk.create(path, makepath=True)
    assert kcli("zookeeper-shell", server, "setAcl", "-R", "/beans", "world:anyone:ra").exit_code == 0
    assert {tuple(zk.get_acls(p)[0]) for p in ("/beans", "/beans/robusta", "/beans/arabica/kenya")} == {((17, ("world", "anyone")),)}
    shown = kcli("zookeeper-shell", server, "getAcl", "/beans/robusta")
    assert shown.stdout == "'world,'anyone\n: ra\n"

    refused = kcli("zookeeper-shell", server, "deleteall", "/beans")  # no DELETE permission anywhere
    assert (refused.exit_code, refused.stderr.splitlines()[-1]) == (1, "Failed to delete some node(s) in the subtree!")
    assert zk.exists("/beans/arabica/kenya") is not None

    for path in ("/beans", "/beans/arabica", "/beans/robusta"):
        zk.set_acls(path, OPEN_ACL_UNSAFE)
    deleted = kcli("zookeeper-shell", server, "deleteall", "/beans", "-b", "2")  # three multi requests
    assert (deleted.exit_code, deleted.stdout) == (0, "")
    assert zk.exists("/beans") is None


def test_no_server_is_zkclis_connection_loss(kcli):
    from tests.ports import free_port

    port = free_port()
    started = time.monotonic()
    failed = kcli("zookeeper-shell", f"127.0.0.1:{port}", "ls", "/brokers/ids")
    assert (failed.exit_code, failed.stdout) == (1, "")
    assert failed.stderr.splitlines() == [f"Connecting to 127.0.0.1:{port}", "KeeperErrorCode = ConnectionLoss for /brokers/ids"]
    assert time.monotonic() - started < 5  # refused at once, as zkCli gives up at once


def drive_prompt(shell, server, steps):
    """Run the ``[zk: ...]`` prompt on a pipe; ``steps(send, seen)`` types into it from another thread.

    The shell's session is closed when the prompt ends, whether the steps passed or not.
    """
    screen = io.StringIO()

    def seen(text, seconds=15):
        wait_for(lambda: text in screen.getvalue(), seconds, what=f"{text!r} on the prompt's screen")

    failures = []

    def type_steps(send):
        try:
            steps(send, seen)
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            failures.append(exc)
            send("\x03\x04")  # Ctrl+C clears the line, Ctrl+D ends the prompt: the test fails now rather than at its timeout

    try:
        with create_pipe_input() as pipe:
            typist = threading.Thread(target=type_steps, args=(pipe.send_text,), daemon=True)
            typist.start()
            run_interactive(shell, server, input=pipe, output=PlainTextOutput(screen), history=InMemoryHistory())
            typist.join(timeout=5)
    finally:
        shell.close()
    if failures:
        raise failures[0]
    return screen.getvalue()


def test_interactive_prompt_completes_paths_and_keeps_history(real_zookeeper, zk):
    zk.create("/espresso", b"shot")
    zk.create("/cortado", b"milk")
    server = real_zookeeper.connect
    shell = tool.connect(server, render.zk_event)

    def steps(send, seen):
        send("get /espr\t")  # Tab completes the one matching znode
        seen("get /espresso")
        send("\r")
        seen("shot")
        send("\x1b[A\r")  # Up recalls it from the history
        seen("(CONNECTED) 1] get /espresso")
        seen("(CONNECTED) 2]")
        send("create /mocha\r")
        seen("Created /mocha")
        send("quit\r")

    screen = drive_prompt(shell, server, steps)
    assert f"[zk: {server}(CONNECTED) 0] " in screen
    assert f"[zk: {server}(CONNECTED) 3] quit" in screen  # numbered as zkCli numbers commands
    assert screen.count("shot\n") == 2
    assert screen.endswith(watcher_block("Closed", "None"))
    assert zk.exists("/mocha") is not None


def test_ctrl_c_clears_a_half_typed_line_and_ctrl_d_quits(real_zookeeper, zk):
    """As in a shell: Ctrl+C drops what was typed and gives a fresh prompt; only Ctrl+D leaves."""
    zk.create("/flat-white", b"velvet")
    server = real_zookeeper.connect
    shell = tool.connect(server, render.zk_event)

    def steps(send, seen):
        send("delete /flat-wh")
        seen("delete /flat-wh")
        send("\x03")  # Ctrl+C: the half-typed delete is dropped, the shell stays
        send("get /flat-white\r")  # typed on a clean line
        seen("velvet")
        send("\x04")  # Ctrl+D

    screen = drive_prompt(shell, server, steps)
    assert "velvet\n" in screen  # the shell was still there after Ctrl+C, and ran the next line
    assert screen.endswith(watcher_block("Closed", "None"))
    assert "delete /flat-whget" not in screen
    assert zk.get("/flat-white")[0] == b"velvet"  # the half-typed delete never ran


def test_completer_offers_commands_then_children(real_zookeeper, zk):
    zk.create("/brokers/ids/0", makepath=True)
    zk.create("/brokers/topics", makepath=True)
    shell = tool.connect(real_zookeeper.connect, lambda event: None)
    try:
        completer = znode_completer(shell)

        def complete(text):
            return [c.text for c in completer.get_completions(Document(text), CompleteEvent(completion_requested=True))]

        assert complete("get") == ["get", "getAcl"]
        assert complete("ls /bro") == ["/brokers"]
        assert complete("ls -R /brokers/") == ["/brokers/ids", "/brokers/topics"]
        assert complete("ls /brokers/ids/") == ["/brokers/ids/0"]
        assert complete("ls /missing/") == []
    finally:
        shell.close()


def test_get_w_prints_the_watch_as_zkcli_does(real_zookeeper, zk):
    zk.create("/latte", b"oat")
    server = real_zookeeper.connect
    shell = tool.connect(server, render.zk_event)

    def steps(send, seen):
        send("get -w /latte\r")
        seen("oat")
        zk.set("/latte", b"soy")  # another client changes it while the prompt waits
        seen("NodeDataChanged")
        send("ls -w /latte\r")
        seen("[]")
        zk.create("/latte/foam")
        seen("NodeChildrenChanged")
        send("quit\r")

    screen = drive_prompt(shell, server, steps)
    assert watcher_block("SyncConnected", "NodeDataChanged", "/latte") in screen
    assert watcher_block("SyncConnected", "NodeChildrenChanged", "/latte") in screen
    assert screen.count("WatchedEvent") == 3  # one per fired watch, then Closed


def test_watches_outlive_a_server_restart_as_zkclis_do(real_zookeeper, zk):
    """``get -w``, ``ls -w`` and ``stat -w`` held across a ZooKeeper restart fire as they did for zkCli.

    ``fixtures/zkcli_watch_out.txt`` is ZooKeeper 3.8's zkCli doing the same against the same kind of server.
    The shell reaches the server through a ``Relay`` that is open only while the server serves.
    """
    from tests.zk_real import four_letter_word

    zk.create("/jw/c1", makepath=True)
    zk.set("/jw", b"d")
    relay = Relay(("127.0.0.1", real_zookeeper.port))
    server = relay.address
    shell = tool.connect(server, render.zk_event)  # the first SyncConnected comes before the prompt's screen

    def steps(send, seen):
        send("get -w /jw\r")
        seen("d\n")
        send("ls -w /jw\r")
        seen("[c1]")
        send("stat -w /jw/new\r")
        seen("Node does not exist: /jw/new")
        real_zookeeper.stop()
        relay.close()
        seen("state:Disconnected")
        real_zookeeper.start()
        relay.open()
        seen("state:SyncConnected type:None")
        wait_for(lambda: all(p in four_letter_word(real_zookeeper.port, "wchp") for p in ("/jw\n", "/jw/new\n")), 15,
                 "the shell to set its watches again", step=0.05)
        zk.retry(zk.set, "/jw", b"changed")
        seen("NodeDataChanged")
        zk.retry(zk.create, "/jw/new")
        seen("NodeChildrenChanged")
        send("quit\r")

    try:
        screen = drive_prompt(shell, server, steps)
    finally:
        relay.close()
    events = [line for line in screen.splitlines() if line.startswith("WatchedEvent")]
    zkcli = [line for line in (FIXTURES / "zkcli_watch_out.txt").read_text(encoding="utf-8").splitlines() if line.startswith("WatchedEvent")]
    assert events == zkcli[1:6] + ["WatchedEvent state:Closed type:None path:null"]


# -- parsing and formatting, no server ------------------------------------------


def test_tokenize_keeps_quoted_arguments_and_json():
    assert tool.tokenize('create /a "hello world"') == ["create", "/a", "hello world"]
    assert tool.tokenize("set /a 'x y'  z") == ["set", "/a", "x y", "z"]
    assert tool.tokenize('create /b {"json":[1,2]}') == ["create", "/b", '{"json":[1,2]}']


def test_parse_flags_values_and_usage():
    parsed = tool.parse(["ls", "-wR", "/x"])
    assert (parsed.name, parsed.args, parsed.flags) == ("ls", ("/x",), frozenset("wR"))
    assert tool.parse(["set", "-v", "3", "/x", "d"]).values == {"v": "3"}
    assert tool.parse(["deleteall", "/x", "-b", "5"]).values == {"b": "5"}
    assert tool.parse(["get", "/x", "-s"]).flags == {"s"}  # options may follow the path, as in zkCli
    assert tool.parse(["set", "--", "/x", "-1"]).args == ("/x", "-1")
    assert tool.parse(["set", "/x", "-"]).args == ("/x", "-")
    with pytest.raises(tool.ZkCliError, match=r"^Unrecognized option: -x$"):
        tool.parse(["ls", "-x", "/"])
    with pytest.raises(tool.ZkCliError, match=r"^Unrecognized option: -1$"):
        tool.parse(["set", "/x", "-1"])
    with pytest.raises(tool.ZkCliError, match=r"^set \[-s\] \[-v version\] path data$"):
        tool.parse(["set", "/x"])


def test_path_rules_and_messages():
    tool.validate_path("/")
    tool.validate_path("/a/", sequential=True)
    for path, message in [
        ("/a//b", 'Invalid path string "/a//b" caused by empty node name specified @3'),
        ("/a/./b", 'Invalid path string "/a/./b" caused by relative paths not allowed @3'),
        ("/a/../b", 'Invalid path string "/a/../b" caused by relative paths not allowed @4'),
        ("/a/", "Path must not end with / character"),
        ("a", "Path must start with / character"),
    ]:
        with pytest.raises(tool.ZkCliError) as failed:
            tool.validate_path(path)
        assert failed.value.message == message


def test_acl_text_both_ways():
    acls, notes = tool.parse_acl("world:anyone:rz,bogus,digest:bob:abc=:cdrwa")
    assert [(a.perms, a.id.scheme, a.id.id) for a in acls] == [(1, "world", "anyone"), (31, "digest", "bob:abc=")]
    assert notes == ("Unknown perm type: z", "bogus does not have the form scheme:id:perm")
    assert tool.perm_string(31) == "cdrwa" and tool.perm_string(1 | 2) == "rw"


def test_java_date_format():
    assert render.java_date(0, timezone.utc) == "Thu Jan 01 00:00:00 UTC 1970"
    assert render.java_date(1795571034000, timezone.utc) == "Wed Nov 25 01:43:54 UTC 2026"
    assert render.java_date(1795571034000, timezone(timedelta(hours=1), "CET")) == "Wed Nov 25 02:43:54 CET 2026"
