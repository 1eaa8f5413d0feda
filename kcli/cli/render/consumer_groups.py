"""kafka-consumer-groups' output: groups listed, described (offsets, members, state), reset and deleted."""

from __future__ import annotations

import sys

from kcli.cli.render.output import err, out, warn
from kcli.cli.render.tables import cell, columns, print_json, table


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
        print_json([{"group": g.group_id, "state": g.state} for g in listings])
    elif not with_state:
        for g in listings:
            out(g.group_id)
    else:
        width = max([15] + [len(g.group_id) for g in listings])
        rows = [(g.group_id, g.state or "Unknown") for g in listings]
        table(("GROUP", "STATE"), rows, terminal, "".join(columns([width, 0], r) + "\n" for r in [("GROUP", "STATE"), *rows]), console)


_OFFSET_HEADERS = ("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID")


def group_offsets(groups, output: str | None = None, terminal: bool | None = None, console=None) -> None:
    """The offsets view (``--describe`` and ``--describe --offsets``), one table per group."""
    if output == "json":
        print_json([{"group": g.group_id, "state": g.state, "offsets": [
            {"topic": r.topic, "partition": r.partition, "current_offset": r.current_offset, "log_end_offset": r.log_end_offset,
             "lag": r.lag, "consumer_id": r.consumer_id, "host": r.host, "client_id": r.client_id} for r in g.offsets]} for g in groups])
        return
    for g in groups:
        if not _group_notice(g) or not g.offsets:
            continue
        rows = [(r.group_id, r.topic, r.partition, r.current_offset, r.log_end_offset, r.lag, r.consumer_id, r.host, r.client_id) for r in g.offsets]
        widths = [max([15] + [len(cell(row[i])) for row in rows]) if i in (0, 1, 6, 7) else {2: 10}.get(i, 15) for i in range(8)] + [0]
        fixed = "\n" + "".join(columns(widths, row) + "\n" for row in [_OFFSET_HEADERS, *rows])
        table(_OFFSET_HEADERS, rows, terminal, fixed, console)


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
        print_json([{"group": g.group_id, "state": g.state, "members": [
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
        lines = [columns(widths, headers, last_padded=True) + " " + ("ASSIGNMENT" if verbose else "")]
        lines += [columns(widths, row, last_padded=True) + " " + (_assignment_text(m.assignment) if verbose else "") for row, m in zip(rows, g.members)]
        if verbose:
            headers.append("ASSIGNMENT")
            rows = [row + [_assignment_text(m.assignment)] for row, m in zip(rows, g.members)]
        table(headers, rows, terminal, "\n" + "".join(line + "\n" for line in lines), console)


def group_states(groups, output: str | None = None, terminal: bool | None = None, console=None) -> None:
    """``--describe --state``: the coordinator as ``host:port (id)``."""
    if output == "json":
        print_json([{"group": g.group_id, "coordinator": {"id": g.coordinator_id, "host": g.coordinator_host, "port": g.coordinator_port},
                "assignment_strategy": g.protocol, "state": g.state, "members": len(g.members)} for g in groups])
        return
    headers = ("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS")
    for g in groups:
        if not _group_notice(g):
            continue
        coordinator = f"{g.coordinator_host}:{g.coordinator_port} ({g.coordinator_id})"
        row = (g.group_id, coordinator, g.protocol, g.state, len(g.members))
        widths = [max(25, len(coordinator)), 25, 20, 15, 0]  # sic: Kafka sizes the GROUP column by the coordinator's text
        table(headers, [row], terminal, "\n" + columns(widths, headers) + "\n" + columns(widths, row) + "\n", console)


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
        print_json([{"group": gid, "topic": t, "partition": p, "new_offset": o} for gid, t, p, o in rows])
    elif done:
        headers = ("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")
        widths = [30, 30, 10, 15]
        fixed = "\n" + "".join(columns(widths, row, last_padded=True) + "\n" for row in [headers, *rows])
        table(headers, rows, terminal, fixed, console)


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
        print_json({"deleted": deleted, "failed": {r.group_id: r.error for r in failed}})
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
        print_json({"group": result.group_id, "error": result.error, "partitions": [
            {"topic": r.topic, "partition": r.partition, "error": r.error} for r in result.partitions]})
        return
    if result.error is None:
        out(f"Request succeed for deleting offsets with topic {', '.join(result.topics)} group {result.group_id}")
    else:
        err(f"Error: {result.error}")
    headers = ("TOPIC", "PARTITION", "STATUS")
    fixed = "\n" + "".join(columns([30, 15, 15], row, last_padded=True) + "\n" for row in [headers, *rows])
    table(headers, rows, terminal, fixed, console)
