"""Everything the client tools print, in one place. Data to stdout; messages and errors to stderr."""

from __future__ import annotations

import sys
from typing import NoReturn

from kcli.protocol import java_hash


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


def broker_unreachable(refused) -> None:
    """The first refused connection: Kafka's NetworkClient warning, and what to do about it."""
    warn(refused.warning)
    err("Is a broker running? Start one with: kcli server-start")


def unresolved_server(server) -> None:
    warn(f"Couldn't resolve server {server} from bootstrap.servers as DNS resolution failed for {server.host}")


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

    import rich.table  # noqa: F401  RichHandler imports it at its first record, which fails once file descriptors run out

    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[RichHandler(console=_console(), show_path=False, markup=False)])
    console = _console()
    console.print(f"[bold]kcli {__version__}[/] — Kafka-compatible broker")
    for listener in started.listeners or (f"PLAINTEXT://{started.host}:{started.port}",):
        console.print(f"  listener        {listener}")
    console.print(f"  data directory  {started.log_dir}{_default_dir_note(started)}")
    if started.zookeeper:
        console.print(f"  zookeeper       {started.zookeeper} (registered as /brokers/ids/{started.node_id})")
    if started.recovered:
        console.print("  recovery        the last shutdown was not clean: logs were checked and torn tails cut; "
                      f"{started.recovered_segments} segments past their recovery point reread "
                      f"({started.recovered_bytes / (1 << 20):.1f} MiB)")
    console.print(f"  ready in        {started.ready_ms:.0f} ms")
    console.print(f"[green][KafkaServer id={started.node_id}] started[/] on {started.host}:{started.port} (Ctrl+C to stop)")


def _default_dir_note(started) -> str:
    """Which mode's default directory this is: the standalone and ZooKeeper-mode tutorials each have their own."""
    from kcli.broker.config import default_log_dir

    mode = "ZooKeeper mode" if started.zookeeper else "standalone mode"
    return f" ({mode}'s default; log.dirs sets another)" if started.log_dir == default_log_dir(bool(started.zookeeper)) else ""


def broker_stopped() -> None:
    _console().print("[KafkaServer] shut down completed")


# -- kafka-consumer-groups: Kafka's fixed-width columns when piped, rich tables on a terminal, or JSON ----------
# Layouts are ConsumerGroupCommand's (Kafka 3.x): a column is padded to at least its width and the last one not
# at all, a table starts with a blank line, and a missing value prints as "-".


def _is_terminal(terminal: bool | None) -> bool:
    return sys.stdout.isatty() if terminal is None else terminal


def _cell(value) -> str:
    return "-" if value is None else str(value)


def _columns(widths, values, last_padded: bool = False) -> str:
    """Java's ``%-Ns`` for each column but the last, which is written as is unless ``last_padded``."""
    cells = [_cell(v) for v in values]
    padded = [c.ljust(w) for c, w in zip(cells[:-1], widths)]
    return " ".join(padded + [cells[-1].ljust(widths[-1]) if last_padded else cells[-1]])


_SHORTEST_ID = 12  # a text cell is not shortened below this (or its header): prefix…suffix still tells ids apart


def _table(headers, rows, terminal: bool | None, fixed, console=None) -> None:
    """``rows`` as a rich table on a terminal, else through ``fixed`` (the Kafka layout, one string).

    On a terminal every header and every row is one line: text cells too long for the width are
    shortened in the middle (``console-consu…41a669d6``), numbers never; a terminal too narrow
    even for that gets Kafka's layout.
    """
    if not _is_terminal(terminal):
        sys.stdout.write(fixed)
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    cells = [[_cell(v) for v in row] for row in rows]
    widths = _fitted_widths(headers, cells, console.width - 2 * (len(headers) - 1))  # two spaces between columns
    if widths is None:
        console.file.write(fixed)
        return
    ellipsis = "…" if console.encoding.lower().startswith("utf") else "~"
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False, pad_edge=False, padding=(0, 0, 0, 1))
    for header, width in zip(headers, widths):
        table.add_column(header, width=width, no_wrap=True, overflow="crop")
    for row in cells:
        table.add_row(*(_shortened(text, width, ellipsis) for text, width in zip(row, widths)))
    console.print()
    console.print(table)


def _fitted_widths(headers, cells, budget: int) -> list[int] | None:
    """Column widths that fit ``budget``: each column's longest cell, the widest text columns cut down
    first, none below its header nor ``_SHORTEST_ID``; None when even that is too wide."""
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    floors = [w if all(_numeric(row[i]) for row in cells) else max(len(h), min(w, _SHORTEST_ID))
              for i, (h, w) in enumerate(zip(headers, widths))]
    if sum(floors) > budget:
        return None
    while sum(widths) > budget:
        i = max(range(len(widths)), key=lambda k: widths[k] - floors[k])
        widths[i] -= min(sum(widths) - budget, widths[i] - floors[i], max(1, (widths[i] - floors[i]) // 2))
    return widths


def _numeric(text: str) -> bool:
    return text == "-" or text.lstrip("-").isdigit()


def _shortened(text: str, width: int, ellipsis: str) -> str:
    """``text`` in ``width`` characters: its start and its end (where ids differ), joined by an ellipsis."""
    if len(text) <= width:
        return text
    tail = (width - 1) // 2
    return text[: width - 1 - tail] + ellipsis + (text[-tail:] if tail else "")


def _json(document) -> None:
    import json

    out(json.dumps(document, indent=2))


def _group_notice(group) -> bool:
    """Kafka's word on a group's state before its table; False when there is nothing to show (the group is Dead)."""
    if group.state == "Dead":
        err(f"Error: Consumer group '{group.group_id}' does not exist.")
        return False
    if group.state == "Empty":
        err(f"\nConsumer group '{group.group_id}' has no active members.")
    elif group.state in ("PreparingRebalance", "CompletingRebalance"):
        err(f"\nWarning: Consumer group '{group.group_id}' is rebalancing.")
    return True


def group_list(listings, with_state: bool, output: str | None = None, terminal: bool | None = None, console=None) -> None:
    if output == "json":
        _json([{"group": g.group_id, "state": g.state} for g in listings])
    elif not with_state:
        for g in listings:
            out(g.group_id)
    else:
        width = max([15] + [len(g.group_id) for g in listings])
        rows = [(g.group_id, g.state or "Unknown") for g in listings]
        _table(("GROUP", "STATE"), rows, terminal, "".join(_columns([width, 0], r) + "\n" for r in [("GROUP", "STATE"), *rows]), console)


_OFFSET_HEADERS = ("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID")


def group_offsets(groups, output: str | None = None, terminal: bool | None = None, console=None) -> None:
    """The offsets view (``--describe`` and ``--describe --offsets``), one table per group."""
    if output == "json":
        _json([{"group": g.group_id, "state": g.state, "offsets": [
            {"topic": r.topic, "partition": r.partition, "current_offset": r.current_offset, "log_end_offset": r.log_end_offset,
             "lag": r.lag, "consumer_id": r.consumer_id, "host": r.host, "client_id": r.client_id} for r in g.offsets]} for g in groups])
        return
    for g in groups:
        if not _group_notice(g) or not g.offsets:
            continue
        rows = [(r.group_id, r.topic, r.partition, r.current_offset, r.log_end_offset, r.lag, r.consumer_id, r.host, r.client_id) for r in g.offsets]
        widths = [max([15] + [len(_cell(row[i])) for row in rows]) if i in (0, 1, 6, 7) else {2: 10}.get(i, 15) for i in range(8)] + [0]
        fixed = "\n" + "".join(_columns(widths, row) + "\n" for row in [_OFFSET_HEADERS, *rows])
        _table(_OFFSET_HEADERS, rows, terminal, fixed, console)


def _assignment_text(partitions) -> str:
    """``topic(0,1), other(2)``: topics in text order, each one's partitions in number order; ``-`` for none."""
    by_topic: dict[str, list[int]] = {}
    for tp in partitions:
        by_topic.setdefault(tp.topic, []).append(tp.partition)
    texts = sorted(f"{topic}({','.join(str(p) for p in sorted(ps))})" for topic, ps in by_topic.items())
    return ", ".join(texts) or "-"


def group_members(groups, verbose: bool, output: str | None = None, terminal: bool | None = None, console=None) -> None:
    """``--describe --members [--verbose]``; GROUP-INSTANCE-ID appears when a member has one."""
    if output == "json":
        _json([{"group": g.group_id, "state": g.state, "members": [
            {"consumer_id": m.consumer_id, "group_instance_id": m.group_instance_id or None, "host": m.host, "client_id": m.client_id,
             "partitions": len(m.assignment), "assignment": [{"topic": t, "partition": p} for t, p in sorted(m.assignment)]}
            for m in g.members]} for g in groups])
        return
    for g in groups:
        if not _group_notice(g) or not g.members:
            continue
        static = any(m.group_instance_id for m in g.members)
        headers = ["GROUP", "CONSUMER-ID"] + (["GROUP-INSTANCE-ID"] if static else []) + ["HOST", "CLIENT-ID", "#PARTITIONS"]
        rows = [[m.group_id, m.consumer_id] + ([m.group_instance_id] if static else []) + [m.host, m.client_id, len(m.assignment)] for m in g.members]
        minimum = [15, 15] + ([17] if static else []) + [15, 15]
        widths = [max([w] + [len(str(row[i])) for row in rows]) for i, w in enumerate(minimum)] + [15]
        # Kafka pads #PARTITIONS and follows it with a space, then ASSIGNMENT (with --verbose) unpadded
        lines = [_columns(widths, headers, last_padded=True) + " " + ("ASSIGNMENT" if verbose else "")]
        lines += [_columns(widths, row, last_padded=True) + " " + (_assignment_text(m.assignment) if verbose else "") for row, m in zip(rows, g.members)]
        if verbose:
            headers.append("ASSIGNMENT")
            rows = [row + [_assignment_text(m.assignment)] for row, m in zip(rows, g.members)]
        _table(headers, rows, terminal, "\n" + "".join(line + "\n" for line in lines), console)


def group_states(groups, output: str | None = None, terminal: bool | None = None, console=None) -> None:
    """``--describe --state``: the coordinator as ``host:port (id)``."""
    if output == "json":
        _json([{"group": g.group_id, "coordinator": {"id": g.coordinator_id, "host": g.coordinator_host, "port": g.coordinator_port},
                "assignment_strategy": g.protocol, "state": g.state, "members": len(g.members)} for g in groups])
        return
    headers = ("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS")
    for g in groups:
        if not _group_notice(g):
            continue
        coordinator = f"{g.coordinator_host}:{g.coordinator_port} ({g.coordinator_id})"
        row = (g.group_id, coordinator, g.protocol, g.state, len(g.members))
        widths = [max(25, len(coordinator)), 25, 20, 15, 0]  # sic: Kafka sizes the GROUP column by the coordinator's text
        _table(headers, [row], terminal, "\n" + _columns(widths, headers) + "\n" + _columns(widths, row) + "\n", console)


def offsets_to_reset(outcome, output: str | None = None, terminal: bool | None = None, console=None) -> None:
    """The planned (or, with --execute, committed) offsets; groups left alone and warnings go to stderr."""
    for line in outcome.warnings:
        warn(line)
    for g in outcome.groups:
        if g.error:
            err(f"Error: {g.error}")
    done = [g for g in outcome.groups if not g.error]
    rows = [(g.group_id, tp.topic, tp.partition, offset) for g in done for tp, offset in g.offsets.items()]
    if output == "json":
        _json([{"group": gid, "topic": t, "partition": p, "new_offset": o} for gid, t, p, o in rows])
    elif done:
        headers = ("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")
        widths = [30, 30, 10, 15]
        fixed = "\n" + "".join(_columns(widths, row, last_padded=True) + "\n" for row in [headers, *rows])
        _table(headers, rows, terminal, fixed, console)


def offsets_to_reset_csv(outcome, with_group: bool) -> None:
    """``--export``: ``topic,partition,offset`` lines (``group,`` first for several groups), then Kafka's closing newline."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for g in outcome.groups:
        for tp, offset in g.offsets.items():
            writer.writerow(([g.group_id] if with_group else []) + [tp.topic, tp.partition, offset])
    for line in outcome.warnings:
        warn(line)
    for g in outcome.groups:
        if g.error:
            err(f"Error: {g.error}")
    sys.stdout.write(buffer.getvalue() + "\n")


def deleted_groups(results, output: str | None = None) -> None:
    """Kafka's one line when every group went, else the failures (stderr) and then the groups that did go."""
    deleted = [r.group_id for r in results if r.error is None]
    failed = [r for r in results if r.error is not None]
    quoted = "'" + "', '".join(deleted) + "'"  # Scala's mkString("'", "', '", "'"): '' when there are none
    if output == "json":
        _json({"deleted": deleted, "failed": {r.group_id: r.error for r in failed}})
    elif not failed:
        out(f"Deletion of requested consumer groups ({quoted}) was successful.")
    else:
        err("Error: Deletion of some consumer groups failed:")
        for r in failed:
            err(f"* Group '{r.group_id}' could not be deleted due to: {r.error}")
        if deleted:
            out(f"\nThese consumer groups were deleted successfully: {quoted}")


def deleted_offsets(result, output: str | None = None, terminal: bool | None = None, console=None) -> None:
    """``--delete-offsets``: Kafka's success line (sic) or its error, then a status per partition."""
    rows = [(r.topic, "Not Provided" if r.partition is None else r.partition, "Successful" if r.error is None else f"Error: {r.error}")
            for r in result.partitions]
    if output == "json":
        _json({"group": result.group_id, "error": result.error, "partitions": [
            {"topic": r.topic, "partition": r.partition, "error": r.error} for r in result.partitions]})
        return
    if result.error is None:
        out(f"Request succeed for deleting offsets with topic {', '.join(result.topics)} group {result.group_id}")
    else:
        err(f"Error: {result.error}")
    headers = ("TOPIC", "PARTITION", "STATUS")
    fixed = "\n" + "".join(_columns([30, 15, 15], row, last_padded=True) + "\n" for row in [headers, *rows])
    _table(headers, rows, terminal, fixed, console)


# -- the ZooKeeper server's console: banner, started line (stderr) -------------


def zookeeper_started(started) -> None:
    import logging

    from rich.logging import RichHandler

    from kcli import __version__

    import rich.table  # noqa: F401  RichHandler imports it at its first record, which fails once file descriptors run out

    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[RichHandler(console=_console(), show_path=False, markup=False)])
    console = _console()
    console.print(f"[bold]kcli {__version__}[/] — ZooKeeper-compatible server (standalone)")
    console.print(f"  client port     {started.host}:{started.port}")
    console.print(f"  data directory  {started.data_dir}")
    console.print(f"  tickTime        {started.tick_time} ms")
    console.print(f"  4lw commands    {', '.join(started.four_letter_words)}")
    if started.recovered_txns or started.sessions:
        console.print(f"  recovery        {started.recovered_txns} transactions replayed, {started.sessions} sessions restored, zxid 0x{started.zxid:x}")
    console.print(f"  ready in        {started.ready_ms:.0f} ms")
    console.print(f"[green][ZooKeeperServer] started[/] on {started.host}:{started.port} (Ctrl+C to stop)")


def zookeeper_stopped() -> None:
    _console().print("ZooKeeper server shut down")


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


# -- log tools: dump-log, get-offsets, configs, log-dirs, storage ---------------


def dump_lines(lines) -> None:
    """kafka-dump-log's lines as they come: data on stdout, Kafka's stderr reports on stderr."""
    for line in lines:
        if line.error:
            err(line.text)
        else:
            out(line.text)


def partition_offsets(result) -> None:
    """kafka-get-offsets: ``topic:partition:offset`` lines; partitions skipped on an error, on stderr."""
    for line in result.skipped:
        err(line)
    for topic, partition, offset in result.offsets:
        out(f"{topic}:{partition}:{offset}")


def entity_configs(described) -> None:
    """kafka-configs --describe: a heading per entity, then ``  name=value sensitive=… synonyms={SOURCE:name=value, …}``."""
    for entity in described:
        if entity.entity_type == "brokers" and entity.name == "":
            out(f"Default configs for {entity.entity_type} in the cluster are:")
        else:
            out(f"{'All' if entity.all else 'Dynamic'} configs for {entity.entity_type[:-1]} {entity.name} are:")
        for e in entity.entries:
            synonyms = ", ".join(f"{source}:{name}={_java(value)}" for source, name, value in e.synonyms)
            out(f"  {e.name}={_java(e.value)} sensitive={'true' if e.sensitive else 'false'} synonyms={{{synonyms}}}")


def _java(value) -> str:
    return "null" if value is None else str(value)


def user_scram_credentials(descriptions) -> None:
    """kafka-configs --describe --entity-type users: one line per user, as ConfigCommand prints it."""
    for d in descriptions:
        if d.error:
            out(f"Error retrieving SCRAM credential configs for user-principal '{d.user}': {d.error}")
        else:
            out(f"SCRAM credential configs for user-principal '{d.user}' are {', '.join(f'{m}=iterations={i}' for m, i in d.mechanisms)}")


def configs_altered(entity_type: str, name: str) -> None:
    if name:
        out(f"Completed updating config for {entity_type[:-1]} {name}.")
    else:
        out(f"Completed updating default config for {entity_type} in the cluster.")


def log_dirs(result) -> None:
    """kafka-log-dirs' two lines and its JSON, keys in the order Jackson writes Kafka's HashMaps."""
    out(f"Received log directory information from brokers {','.join(map(str, _java_hash_order(result.brokers, _java_int_hash)))}")
    brokers = []
    for broker in _java_hash_order(list(result.log_dirs), _java_int_hash):
        dirs = []
        for d in _java_hash_order(result.log_dirs[broker], lambda d: java_hash.string_hash(d.path)):
            replicas = [
                _java_object({"partition": r.partition, "size": r.size, "offsetLag": r.offset_lag, "isFuture": r.is_future})
                for r in _java_hash_order(d.replicas, lambda r: _java_topic_partition_hash(r.partition))
            ]
            dirs.append(_java_object({"logDir": d.path, "error": d.error, "partitions": replicas}))
        brokers.append(_java_object({"broker": broker, "logDirs": dirs}))
    import json

    out(json.dumps(_java_object({"version": 1, "brokers": brokers}), separators=(",", ":"), ensure_ascii=False))


def _java_int_hash(value: int) -> int:
    return value  # Integer.hashCode


def _java_topic_partition_hash(text: str) -> int:
    topic, _, partition = text.rpartition("-")
    return java_hash.topic_partition_hash(topic, int(partition))


def _java_hash_order(items, hash_of=java_hash.string_hash) -> list:
    return java_hash.hash_map_order(items, hash_of)


def _java_object(fields: dict) -> dict:
    return {k: fields[k] for k in _java_hash_order(fields)}


def storage_info(found) -> bool:
    """kafka-storage info's report; True when it found problems (exit 1)."""
    if found.found:
        out("Found log directory:" if len(found.found) == 1 else "Found log directories:")
        for d in found.found:
            out(f"  {d}")
        out("")
    if found.metadata is not None:
        out("Found metadata: {" + ", ".join(f"{k}={v}" for k, v in sorted(found.metadata.items())) + "}")
        out("")
    if found.problems:
        out("Found problem:" if len(found.problems) == 1 else "Found problems:")
        for p in found.problems:
            out(f"  {p}")
        out("")
    return bool(found.problems)


def deleted_records(results) -> None:
    """kafka-delete-records' report, one line per partition, tab-separated as Kafka prints it."""
    out("Records delete operation completed:")
    for r in results:
        outcome = f"low_watermark: {r.low_watermark}" if r.error is None else f"error: {r.error}"
        out(f"partition: {r.topic}-{r.partition}\t{outcome}")


def transactions_table(table, output: str = "table") -> None:
    """kafka-transactions' prettyPrintTable: every cell padded to its column's width and followed by a tab; or JSON rows."""
    if output == "json":
        import json

        out(json.dumps([dict(zip(table.headers, row)) for row in table.rows], indent=2))
        return
    widths = [max([len(h)] + [len(row[i]) for row in table.rows]) for i, h in enumerate(table.headers)]
    for row in [table.headers, *table.rows]:
        out("".join(cell.ljust(width) + "\t" for cell, width in zip(row, widths)))


def dev_certs(certs) -> None:
    out(f"Created a development CA and certificates in {certs.directory} (hosts: {', '.join(certs.hosts)})")
    out(f"  CA certificate        {certs.ca}")
    out(f"  broker key store      {certs.broker_keystore}")
    out(f"  client key store      {certs.client_keystore} (for ssl.client.auth=required)")
    out("")
    out("Broker settings (server.properties or --override):")
    out("  listeners=PLAINTEXT://localhost:9092,SSL://localhost:9093")
    for key, value in certs.broker_properties().items():
        out(f"  {key}={value}")
    out("")
    out(f"Client settings, written to {certs.client_properties} (--command-config, --producer.config, --consumer.config):")
    for key, value in certs.client_settings().items():
        out(f"  {key}={value}")


def adding_acls(bindings) -> None:
    """kafka-acls --add: each resource and its new entries, as AclCommand prints them."""
    for resource, entries in bindings.items():
        out(f"Adding ACLs for resource `{resource}`: \n \t" + "\n\t".join(map(str, entries)) + " \n")


def current_acls(described, patterns=None) -> None:
    """kafka-acls --list (and after --add/--remove): each resource's entries; a named resource without any prints none."""
    for resource in patterns if patterns is not None else described:
        entries = described.get(resource, [])
        out(f"Current ACLs for resource `{resource}`: \n \t" + "\n\t".join(map(str, entries)) + " \n")


def confirm_removal(bindings, patterns) -> bool:
    for resource in patterns:
        entries = bindings.get(resource) or []
        what = ("\n\t" + "\n\t".join(map(str, entries)) + " \n") if entries else " "
        sys.stdout.write(f"Are you sure you want to remove ACLs: {what} from resource `{resource}`? (y/n)")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() != "y":
            return False
    return True


# -- producer-perf-test, consumer-perf-test, e2e-latency: Kafka's lines, and a progress bar on a terminal ------
# The formats are ProducerPerformance.Stats' and ConsumerPerformance's printf patterns. MB is 1024 × 1024 bytes.
# A division by zero prints as Java prints the double (Infinity, NaN).

_MB = 1024 * 1024


def _java_ratio(a: float, b: float) -> float:
    if b:
        return a / b
    return float("nan") if a == 0 else float("inf") if a > 0 else float("-inf")


def _jf(value: float, spec: str) -> str:
    """Java's ``%<spec>`` of a double, Infinity and NaN included."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return format(value, spec)


def producer_window(w) -> None:
    """A 5-second window: ``N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency.``"""
    per_s = _java_ratio(1000.0 * w.count, w.elapsed_ms)
    mb_s = _java_ratio(1000.0 * w.bytes, w.elapsed_ms) / _MB
    out(f"{w.count} records sent, {_jf(per_s, '.1f')} records/sec ({_jf(mb_s, '.2f')} MB/sec), "
        f"{_jf(_java_ratio(w.total_latency, w.count), '.1f')} ms avg latency, {_jf(float(w.max_latency), '.1f')} ms max latency.")


def producer_total(t) -> None:
    """The summary line, with the 50th, 95th, 99th and 99.9th percentile latencies."""
    per_s = _java_ratio(1000.0 * t.count, t.elapsed_ms)
    mb_s = _java_ratio(1000.0 * t.bytes, t.elapsed_ms) / _MB
    p50, p95, p99, p999 = t.percentiles
    out(f"{t.count} records sent, {_jf(per_s, 'f')} records/sec ({_jf(mb_s, '.2f')} MB/sec), "
        f"{_jf(_java_ratio(t.total_latency, t.count), '.2f')} ms avg latency, {_jf(float(t.max_latency), '.2f')} ms max latency, "
        f"{p50} ms 50th, {p95} ms 95th, {p99} ms 99th, {p999} ms 99.9th.")


def payload_file(path, count: int | None = None) -> None:
    """``Reading payloads from: PATH`` before the file is read, ``Number of messages read: N`` after."""
    out(f"Reading payloads from: {path}" if count is None else f"Number of messages read: {count}")


def client_metrics(entries) -> None:
    """ToolsUtils.printMetrics: a blank line, ``Metric Name   Value``, then ``name : value`` (doubles with 3 decimals)."""
    if not entries:
        return
    width = max(len(name) for name, _ in entries)
    out(f"\n{'Metric Name':<{width}}   Value")
    for name, value in entries:
        text = _jf(value, ".3f") if isinstance(value, float) else str(value)
        out(f"{name:<{width}} : {text}")


def consumer_perf_header(detailed: bool) -> None:
    first = "time, threadId" if detailed else "start.time, end.time"
    out(f"{first}, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, "
        "fetch.MB.sec, fetch.nMsg.sec")


def consumer_perf_result(result, date_format) -> None:
    """The summary row; a timed-out run is preceded by Kafka's warning (on stdout, as Kafka prints it)."""
    elapsed_s = (result.end_ms - result.start_ms) / 1000.0
    mb = result.bytes / _MB
    fetch_s = result.fetch_ms / 1000.0
    out(", ".join([
        date_format.format(result.start_ms), date_format.format(result.end_ms), _jf(mb, ".4f"),
        _jf(_java_ratio(mb, elapsed_s), ".4f"), str(result.messages), _jf(_java_ratio(result.messages, elapsed_s), ".4f"),
        str(result.join_ms), str(result.fetch_ms), _jf(_java_ratio(mb, fetch_s), ".4f"),
        _jf(_java_ratio(result.messages, fetch_s), ".4f"),
    ]))


def consumer_perf_timeout(timeout_ms: int) -> None:
    out(f"WARNING: Exiting before consuming the expected number of messages: timeout ({timeout_ms} ms) exceeded. "
        "You can use the --timeout option to increase the timeout.")


def consumer_perf_interval(iv, date_format) -> None:
    """A ``--show-detailed-stats`` row: thread 0, totals so far, the interval's rates overall and while fetching."""
    mb_interval = iv.interval_bytes / _MB
    fetch_ms = iv.interval_ms - iv.join_ms
    fetch_mb_s = 0.0 if fetch_ms <= 0 else 1000.0 * mb_interval / fetch_ms
    fetch_msg_s = 0.0 if fetch_ms <= 0 else 1000.0 * iv.interval_messages / fetch_ms
    out(", ".join([
        date_format.format(iv.end_ms), "0", _jf(iv.bytes / _MB, ".4f"),
        _jf(_java_ratio(1000.0 * mb_interval, iv.interval_ms), ".4f"), str(iv.messages),
        _jf(_java_ratio(1000.0 * iv.interval_messages, iv.interval_ms), ".4f"),
        str(iv.join_ms), str(fetch_ms), _jf(fetch_mb_s, ".4f"), _jf(fetch_msg_s, ".4f"),
    ]))


class _NoProgress:
    def __call__(self, done: int) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class _Progress:
    """A rich progress bar on stderr; while it shows, lines written to a terminal stdout print above it."""

    def __init__(self, total: int, description: str):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True, redirect_stdout=sys.stdout.isatty(), redirect_stderr=False,
        )
        self._task = self._progress.add_task(description, total=total)

    def __call__(self, done: int) -> None:
        self._progress.update(self._task, completed=done)

    def __enter__(self):
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()


def perf_progress(total: int, description: str, terminal: bool | None = None):
    """A context manager whose value takes the count done so far: a live bar when stderr is a terminal, else nothing,
    so piped output is exactly Kafka's."""
    shown = sys.stderr.isatty() if terminal is None else terminal
    return _Progress(total, description) if shown else _NoProgress()


def _java_double(value: float) -> str:
    """Java's ``Double.toString``: the shortest digits, ``.0`` on whole numbers, ``E`` notation outside 10⁻³..10⁷."""
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(float(value))
    mantissa, _, exponent = f"{value:.16e}".partition("e")
    digits = repr(float(mantissa)).rstrip("0")
    return f"{digits}0E{int(exponent)}" if digits.endswith(".") else f"{digits}E{int(exponent)}"


def e2e_creating_topic(topic: str, partitions: int, replication_factor: int) -> None:
    out(f'Topic "{topic}" does not exist. Will create topic with {partitions} partition(s) and replication factor = {replication_factor}')


def e2e_sample(number: int, ms: float) -> None:
    """Every 1,000th round trip: its number, a tab, its milliseconds as a Java double."""
    out(f"{number}\t{_java_double(ms)}")


def e2e_results(latencies) -> None:
    out(f"Avg latency: {latencies.average_ms:.4f} ms")
    out(f"Percentiles: 50th = {latencies.percentile(0.5)}, 99th = {latencies.percentile(0.99)}, "
        f"99.9th = {latencies.percentile(0.999)}")
