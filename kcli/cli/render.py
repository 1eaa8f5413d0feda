"""Everything the client tools print, in one place. Data to stdout; messages and errors to stderr."""

from __future__ import annotations

import sys
from typing import NoReturn


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def warn(text: str) -> None:
    """A warning on stderr, marked as Kafka's tools mark them."""
    err(f"WARN {text}")


def ignored_configs(ignored) -> None:
    """Client properties kcli's clients leave out: Kafka's wording for unknown ones, the reason for the rest."""
    for key, reason in ignored:
        warn(f"The configuration '{key}' was supplied but isn't a known config." if reason is None
             else f"The configuration '{key}' is ignored: {reason}.")


def fail(message: str) -> NoReturn:
    """One readable line on stderr, exit 1: Kafka's wording where Kafka has one."""
    err(message)
    raise SystemExit(1)


def created_topic(name: str) -> None:
    if "." in name or "_" in name:
        out(
            "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could "
            "collide. To avoid issues it is best to use either, but not both."
        )
    out(f"Created topic {name}.")


def topic_list(names: list[str]) -> None:
    for name in names:
        out(name)


def topic_descriptions(descriptions) -> None:
    for d in descriptions:
        head = f"Topic: {d.name}"
        if d.topic_id:
            head += f"\tTopicId: {d.topic_id}"
        head += f"\tPartitionCount: {d.partition_count}\tReplicationFactor: {d.replication_factor}"
        head += "\tConfigs: " + ",".join(f"{k}={v}" for k, v in d.configs)
        out(head)
        for p in d.partitions:
            leader = "none" if p.leader is None else str(p.leader)
            out(
                f"\tTopic: {p.topic}\tPartition: {p.partition}\tLeader: {leader}"
                f"\tReplicas: {','.join(map(str, p.replicas))}\tIsr: {','.join(map(str, p.isr))}"
                "\tElr: \tLastKnownElr: "
            )


def processed(count: int) -> None:
    err(f"Processed a total of {count} messages")


def records(data: bytes) -> bool:
    """Write formatted records to stdout; False when stdout is gone (``| head``)."""
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return True
    except (BrokenPipeError, ValueError):
        err("Unable to write to standard out, closing consumer.")
        return False


def quickstart_console():
    """The console ``kcli quickstart`` narrates on (stdout), built when the command runs."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def quickstart_step(console, number: int, title: str, command: str) -> None:
    from rich.markup import escape

    console.print(f"\n[bold]Step {number}: {escape(title)}[/]\n  [dim]$[/] [cyan]{escape(command)}[/]")


def quickstart_output(console, line: str, *, stderr: bool = False) -> None:
    """A line the step's command prints; what it prints on stderr is dimmed."""
    from rich.markup import escape

    console.print(f"  [dim]{escape(line)}[/]" if stderr else f"  {escape(line)}")


def quickstart_done(console, ok: bool, kept) -> None:
    from rich.markup import escape

    if not ok:
        console.print("\n[red]The quickstart did not read back the three events it wrote.[/]")
    console.print("\nThat was Kafka's quickstart. To do it by hand, each command in its own terminal:")
    for command in (
        "kcli server-start",
        "kcli topics --create --topic coffee --bootstrap-server localhost:9092",
        "kcli console-producer --topic coffee --bootstrap-server localhost:9092",
        "kcli console-consumer --topic coffee --from-beginning --bootstrap-server localhost:9092",
        "kcli server-stop",
    ):
        console.print(f"  [cyan]{escape(command)}[/]")
    if kept:
        console.print(f"\nThe quickstart's data is kept in {escape(str(kept))}")


# -- the broker's console: banner, started line, warnings (stderr) ------------


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def config_warnings(unknown_keys) -> None:
    if unknown_keys:
        _console().print(f"[yellow]WARN[/] These configs were supplied but are not used by kcli: {', '.join(unknown_keys)}")


def broker_started(started) -> None:
    import logging

    from rich.logging import RichHandler

    from kcli import __version__

    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[RichHandler(console=_console(), show_path=False, markup=False)])
    console = _console()
    console.print(f"[bold]kcli {__version__}[/] — Kafka-compatible broker")
    console.print(f"  listener        PLAINTEXT://{started.host}:{started.port}")
    console.print(f"  data directory  {started.log_dir}")
    if started.recovered:
        console.print("  recovery        the last shutdown was not clean: logs were checked and torn tails cut")
    console.print(f"  ready in        {started.ready_ms:.0f} ms")
    console.print(f"[green][KafkaServer id={started.node_id}] started[/] on {started.host}:{started.port} (Ctrl+C to stop)")


def broker_stopped() -> None:
    _console().print("[KafkaServer] shut down completed")


# -- zookeeper-shell: zkCli's output, line for line ----------------------------

_JAVA_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_JAVA_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def java_date(ms: int, tz=None) -> str:
    """Epoch milliseconds as Java's ``Date.toString()``: ``Wed Nov 25 01:43:54 UTC 2026``, in local time."""
    from datetime import datetime

    moment = datetime.fromtimestamp(ms / 1000, tz).astimezone(tz)
    return (f"{_JAVA_DAYS[moment.weekday()]} {_JAVA_MONTHS[moment.month - 1]} {moment.day:02d} "
            f"{moment:%H:%M:%S} {moment.tzname()} {moment.year}")


def zk_stat_lines(stat, tz=None) -> list[str]:
    """A ``Stat`` as zkCli prints it; zxids and the owner in Java's unsigned hex."""
    def hex_(value: int) -> str:
        return f"0x{value & 0xFFFFFFFFFFFFFFFF:x}"

    return [
        f"cZxid = {hex_(stat.czxid)}", f"ctime = {java_date(stat.ctime, tz)}",
        f"mZxid = {hex_(stat.mzxid)}", f"mtime = {java_date(stat.mtime, tz)}",
        f"pZxid = {hex_(stat.pzxid)}", f"cversion = {stat.cversion}", f"dataVersion = {stat.version}",
        f"aclVersion = {stat.aversion}", f"ephemeralOwner = {hex_(stat.ephemeralOwner)}",
        f"dataLength = {stat.dataLength}", f"numChildren = {stat.numChildren}",
    ]


def zk_result(result) -> None:
    """What zkCli prints for a command's result: data on stdout; ``Created`` and notes on stderr, as zkCli."""
    from kcli.tools import zookeeper_shell as zk

    for note in getattr(result, "notes", ()):
        err(note)
    lines: list[str] = []
    stat = getattr(result, "stat", None)
    if isinstance(result, zk.Created):
        err(f"Created {result.path}")
    elif isinstance(result, zk.Children):
        lines.append(f"[{', '.join(result.names)}]")
    elif isinstance(result, zk.Tree):
        lines.extend(result.paths)
    elif isinstance(result, zk.Data):
        lines.append("null" if result.data is None else result.data.decode("utf-8", "replace"))
    elif isinstance(result, zk.Acls):
        for acl in result.acls:
            lines += [f"'{acl.id.scheme},'{acl.id.id}", f": {zk.perm_string(acl.perms)}"]
    elif isinstance(result, zk.Synced):
        lines.append("Sync is OK")
    elif isinstance(result, zk.Help):
        zk_usage(result.usages, stream=out)
    if stat is not None:
        lines += zk_stat_lines(stat)
    for line in lines:
        out(line)
    sys.stdout.flush()


def zk_usage(usages: list[str], stream=err) -> None:
    stream("ZooKeeper -server host:port cmd args (kcli zookeeper-shell host:port[/path] [cmd args])")
    for usage in usages:
        stream(f"\t{usage}")


def zk_error(exc) -> None:
    """A failed command: zkCli's notes and sentence on stderr, after the usage list for an unknown command."""
    from kcli.tools.zookeeper_shell import COMMANDS

    if exc.partial is not None:
        zk_result(exc.partial)
    if exc.usage:
        zk_usage([COMMANDS[name][0] for name in sorted(COMMANDS, key=str.lower)])
    for note in exc.notes:
        err(note)
    err(exc.message)


def zk_connecting(server: str) -> None:
    err(f"Connecting to {server}")


def zk_welcome() -> None:
    out("Welcome to kcli's ZooKeeper shell: 'help' lists the commands, Tab completes paths, 'quit' or Ctrl+D leaves.")


def zk_event(event, to_stderr: bool = False) -> None:
    """A watch or session event, framed as zkCli's watcher prints it."""
    write = err if to_stderr else out
    write(f"\nWATCHER::\n\nWatchedEvent state:{event.state} type:{event.type} path:{event.path or 'null'}")
    if not to_stderr:
        sys.stdout.flush()


def zk_prompt(server: str, state: str, count: int) -> str:
    return f"[zk: {server}({state}) {count}] "
