"""``kcli consumer-groups``: kafka-consumer-groups — list, describe, delete consumer groups, reset or delete their offsets."""

from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli import render
from kcli.cli.options import ZOOKEEPER_GONE, bootstrap_option, reporting, resolve_bootstrap, zookeeper_option

_ACTIONS = "--list, --describe, --delete, --reset-offsets, --delete-offsets"
NO_ACTION = f"Command must include exactly one action: {_ACTIONS}"
_GROUP_SCOPE = "[group], [all-groups]"
_NO_EXECUTE = (
    "WARN: No action will be performed as the --execute option is missing.In a future major release, the default "
    "behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You "
    "should add the --dry-run option explicitly if you are scripting this command and want to keep the current default "
    "behavior without prompting."
)  # sic: Kafka's missing space after "missing."


def consumer_groups(
    states: Optional[List[str]] = typer.Argument(None, metavar="STATE", hidden=True),  # --list --state Stable,Empty: Kafka's optional value
    bootstrap_server: Optional[str] = bootstrap_option(),
    command_config: Optional[Path] = typer.Option(None, "--command-config", help="A properties file of admin client settings."),
    list_: bool = typer.Option(False, "--list", help="List all consumer groups."),
    describe: bool = typer.Option(False, "--describe", help="Describe consumer groups and the lag of their partitions."),
    delete: bool = typer.Option(False, "--delete", help="Delete consumer groups (they must have no active members)."),
    reset_offsets: bool = typer.Option(False, "--reset-offsets", help="Reset the offsets of inactive groups; a dry run unless --execute."),
    delete_offsets: bool = typer.Option(False, "--delete-offsets", help="Delete a group's offsets for the given --topic(s)."),
    group: List[str] = typer.Option([], "--group", help="The consumer group to act on (repeatable)."),
    all_groups: bool = typer.Option(False, "--all-groups", help="Apply to all consumer groups."),
    topic: List[str] = typer.Option([], "--topic", help="With --reset-offsets/--delete-offsets: a topic, or topic:0,1 for some partitions (repeatable)."),
    all_topics: bool = typer.Option(False, "--all-topics", help="With --reset-offsets: every partition the group has committed."),
    offsets: bool = typer.Option(False, "--offsets", help="With --describe: partitions, offsets and lag (the default view)."),
    members: bool = typer.Option(False, "--members", help="With --describe: the group's members."),
    state: bool = typer.Option(False, "--state", help=(
        "With --describe: the group's state and coordinator. With --list: each group's state; "
        "--list --state Stable,Empty lists only the groups in those states.")),
    verbose: bool = typer.Option(False, "--verbose", help="With --describe --members: each member's partitions."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only show the offsets a reset would set (the default)."),
    execute: bool = typer.Option(False, "--execute", help="Commit the reset offsets."),
    export: bool = typer.Option(False, "--export", help="Print the reset plan as CSV (topic,partition,offset)."),
    to_earliest: bool = typer.Option(False, "--to-earliest", help="Reset to the earliest offset."),
    to_latest: bool = typer.Option(False, "--to-latest", help="Reset to the latest offset."),
    to_current: bool = typer.Option(False, "--to-current", help="Reset to the committed offset (the latest where none)."),
    to_offset: Optional[int] = typer.Option(None, "--to-offset", help="Reset to this offset."),
    shift_by: Optional[int] = typer.Option(None, "--shift-by", help="Move the committed offset by N (negative: back)."),
    to_datetime: Optional[str] = typer.Option(None, "--to-datetime", metavar="YYYY-MM-DDTHH:mm:SS.sss", help="Reset to the first offset at or after this time (UTC unless a zone is given)."),
    by_duration: Optional[str] = typer.Option(None, "--by-duration", metavar="PnDTnHnMnS", help="Reset to the first offset at or after this long ago."),
    from_file: Optional[Path] = typer.Option(None, "--from-file", help="Reset to the offsets of a CSV plan, as --export writes it."),
    timeout: int = typer.Option(5000, "--timeout", help="Milliseconds to wait for the cluster."),
    output: Optional[str] = typer.Option(None, "--output", metavar="json", help="json: print a JSON document for scripts instead of Kafka's columns."),
    zookeeper: Optional[str] = zookeeper_option(),
) -> None:
    """List, describe or delete consumer groups, or reset their offsets (kafka-consumer-groups).

    Example: kcli consumer-groups --describe --group my-group --bootstrap-server localhost:9092
    """
    from kcli.tools import consumer_groups as tool
    from kcli.tools.errors import ToolError

    views = {"members": members, "offsets": offsets, "state": state}
    scenario = _check_options(zookeeper, output, states, group, all_groups, topic, all_topics, views, verbose, dry_run, execute,
                              to_earliest, to_latest, to_current, to_offset, shift_by, to_datetime, by_duration, from_file,
                              list=list_, describe=describe, delete=delete, reset_offsets=reset_offsets, delete_offsets=delete_offsets)
    groups = None if all_groups else group
    try:
        bootstrap, settings = _connection(bootstrap_server, command_config, timeout)
        if list_:
            render.group_list(tool.list_groups(bootstrap, tool.parse_states(",".join(states)) if states else None, settings), state, output)
        elif describe:
            _describe(tool, bootstrap, groups, views, verbose, output, settings)
        elif delete:
            results = tool.delete_groups(bootstrap, groups, settings)
            render.deleted_groups(results, output)
            _exit_if(any(r.error for r in results))
        elif reset_offsets:
            outcome = tool.reset_offsets(bootstrap, groups, None if all_topics else topic, scenario, execute, settings)
            render.offsets_to_reset_csv(outcome, len(group) != 1) if export else render.offsets_to_reset(outcome, output)
            _exit_if(any(g.error for g in outcome.groups))
        else:
            result = tool.delete_offsets(bootstrap, group[0], topic, settings)
            render.deleted_offsets(result, output)
            _exit_if(result.error is not None or any(p.error for p in result.partitions))
    except tool.OptionError as exc:
        render.fail(exc.message)
    except ToolError as exc:
        render.fail(f"Error: Executing consumer group command failed due to {exc.message}")


def _describe(tool, bootstrap, groups, views, verbose, output, settings) -> None:
    described = tool.describe_groups(bootstrap, groups, offsets=not (views["members"] or views["state"]), coordinator=views["state"], settings=settings)
    if views["members"]:
        render.group_members(described, verbose, output)
    elif views["state"]:
        render.group_states(described, output)
    else:
        render.group_offsets(described, output)
    _exit_if(any(g.state == "Dead" for g in described))


def _connection(bootstrap_server, command_config, timeout_ms):
    """The bootstrap servers and admin settings, every wait bounded by ``--timeout`` as Kafka bounds each call."""
    from kcli.tools.admin import admin_settings
    from kcli.tools.client_config import ClientSettings, read_properties
    from kcli.tools.errors import ToolError

    props = read_properties(command_config) if command_config else {}
    settings = admin_settings(props)
    render.ignored_configs(settings.ignored)
    bootstrap = resolve_bootstrap(bootstrap_server, props)
    if timeout_ms < 1:
        raise ToolError(f"Invalid value {timeout_ms} for --timeout: a number of milliseconds greater than 0")
    bounded = {**settings.kwargs, "request_timeout_ms": timeout_ms, "bootstrap_timeout_ms": timeout_ms}
    return bootstrap, reporting(ClientSettings(bounded, settings.ignored))


def _exit_if(failed: bool) -> None:
    if failed:
        raise SystemExit(1)


def _check_options(zookeeper, output, states, group, all_groups, topic, all_topics, views, verbose, dry_run, execute,
                   to_earliest, to_latest, to_current, to_offset, shift_by, to_datetime, by_duration, from_file, **actions: bool):
    """ConsumerGroupCommand's checks, in its order and words, made before connecting; returns the reset scenario."""
    from kcli.tools import consumer_groups as tool
    from kcli.tools import offset_reset
    from kcli.tools.errors import ToolError

    if zookeeper is not None:
        render.fail(ZOOKEEPER_GONE)
    if output not in (None, "json"):
        render.fail(f"Invalid value for --output: '{output}' (kcli prints Kafka's columns, or json)")
    for name in [n for n in ("members", "offsets") if views[n]] + (["verbose"] if verbose else []):
        if not actions["describe"]:
            render.fail(f"Option(s) [{name}] are unavailable given other options on the command line")
    if views["state"] and not (actions["describe"] or actions["list"]):
        render.fail("Option(s) [state] are unavailable given other options on the command line")
    if states and not (views["state"] and actions["list"]):
        render.fail("Option [describe] does not take a value for [state]" if actions["describe"] and views["state"]
                    else f"Unexpected argument '{states[0]}': states go after --list --state")
    if actions["describe"]:
        if not group and not all_groups:
            render.fail(f"Option [describe] takes one of these options: {_GROUP_SCOPE}")
        if sum(views.values()) > 1:
            render.fail("Option [describe] takes at most one of these options: [members], [offsets], [state]")
    if actions["delete"]:
        if not group and not all_groups:
            render.fail(f"Option [delete] takes one of these options: {_GROUP_SCOPE}")
        if topic:
            render.fail("The consumer does not support topic-specific offset deletion from a consumer group.")
    if actions["delete_offsets"] and (not group or not topic):
        render.fail("Option [delete-offsets] takes the following options: [group], [topic]")
    if actions["delete_offsets"] and len(group) > 1:
        render.fail("Error: Executing consumer group command failed due to Found multiple arguments for option group, but you asked for only one")
    scenarios = {"to-offset": to_offset is not None, "to-datetime": to_datetime is not None, "by-duration": by_duration is not None,
                 "to-earliest": to_earliest, "to-latest": to_latest, "to-current": to_current, "shift-by": shift_by is not None,
                 "from-file": from_file is not None}
    if actions["reset_offsets"]:
        if dry_run and execute:
            render.fail("Option [reset-offsets] only accepts one of [execute] and [dry-run]")
        if not dry_run and not execute:
            render.err(_NO_EXECUTE)
        if not group and not all_groups:
            render.fail(f"Option [reset-offsets] takes one of these options: {_GROUP_SCOPE}")
        chosen = [name for name, given in scenarios.items() if given]
        if len(chosen) > 1:
            render.fail(f'Option "[{chosen[0]}]" can\'t be used with option "[{chosen[1]}]"')
    if group and all_groups:
        render.fail('Option "[group]" can\'t be used with option "[all-groups]"')
    if group and actions["list"]:
        render.fail('Option "[group]" can\'t be used with option "[list]"')
    if topic and (actions["list"] or actions["describe"]):
        render.fail(f'Option "[topic]" can\'t be used with option "[{"list" if actions["list"] else "describe"}]"')
    if sum(actions.values()) != 1:
        render.fail(NO_ACTION)
    if not actions["reset_offsets"]:
        return None
    if not chosen:
        render.fail("Option '[reset-offsets]' requires one of the following scenarios: "
                    "[to-datetime], [by-duration], [to-earliest], [to-latest], [shift-by], [from-file], [to-current], [to-offset]")
    if not topic and not all_topics and from_file is None:
        render.fail("One of the reset scopes should be defined: --all-topics, --topic.")
    try:
        for arg in topic:
            tool.parse_topic_arg(arg)
        if to_datetime is not None:
            return offset_reset.ResetScenario("to-datetime", offset_reset.parse_datetime_ms(to_datetime))
        if by_duration is not None:
            return offset_reset.ResetScenario("by-duration", offset_reset.instant_before(int(time.time() * 1000), by_duration))
        if from_file is not None:
            return offset_reset.ResetScenario("from-file", from_file=tool.read_reset_plan(from_file, group))
    except tool.OptionError as exc:
        render.fail(exc.message)
    except ToolError as exc:
        render.fail(f"Error: Executing consumer group command failed due to {exc.message}")
    return offset_reset.ResetScenario(chosen[0], to_offset if to_offset is not None else shift_by)
