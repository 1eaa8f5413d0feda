"""kafka-consumer-groups operations: list, describe (offsets, members, state), delete, reset and delete offsets.

Each returns dataclasses or raises ToolError; they talk to any Kafka-compatible
cluster through kafka-python's admin client (ListGroups, DescribeGroups,
FindCoordinator, OffsetFetch, ListOffsets, OffsetCommit, DeleteGroups,
OffsetDelete). What they collect and in which order follows Kafka 3.x's
ConsumerGroupCommand: a group that does not exist describes as ``Dead``; the
offsets view has one row per assigned partition (members with most partitions
first) then one per committed but unassigned partition; only groups with no
active members (``Empty`` or ``Dead``) have their offsets reset.
LOG-END-OFFSET, LAG and ``--to-latest`` use ListOffsets with READ_UNCOMMITTED
(the high watermark, an open transaction's records included), and
CURRENT-OFFSET is OffsetFetch without require_stable (an open transaction's
offsets are not shown): Kafka's tool asks with the default ListOffsetsOptions
and ListConsumerGroupOffsetsOptions and has no isolation option.

Failures come in Kafka's two kinds: OptionError is a usage mistake, printed
as is; any other ToolError is what Kafka prints after ``Executing consumer
group command failed due to``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from dataclasses import dataclass, field

from kafka.protocol.consumer.offsets import IsolationLevel
from kafka.structs import TopicPartition

from kcli.tools import offset_reset
from kcli.tools.admin import admin_client
from kcli.tools.client_config import ClientSettings
from kcli.tools.errors import ToolError
from kcli.tools.offset_reset import OptionError

GROUP_STATES = ("PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty")
INACTIVE_STATES = ("Empty", "Dead")
CONSUMER_PROTOCOL_TYPES = ("consumer", "")  # Kafka's listConsumerGroups keeps these and leaves out e.g. Connect's
_INT = re.compile(r"[-+]?[0-9]+")
READ_UNCOMMITTED = IsolationLevel.READ_UNCOMMITTED  # Kafka's ListOffsetsOptions() default, which its tool uses
_ERRNO = re.compile(r"\[Error (-?\d+)\]")  # how kafka-python's describe_groups words a group's error

# Kafka's exception class and message for the errors these calls meet (org.apache.kafka.common.protocol.Errors).
_JAVA_ERRORS = {
    3: ("UnknownTopicOrPartitionException", "This server does not host this topic-partition."),
    14: ("CoordinatorLoadInProgressException", "The coordinator is loading and hence can't process requests."),
    15: ("CoordinatorNotAvailableException", "The coordinator is not available."),
    16: ("NotCoordinatorException", "This is not the correct coordinator."),
    24: ("InvalidGroupIdException", "The configured groupId is invalid."),
    25: ("UnknownMemberIdException", "The coordinator is not aware of this member."),
    27: ("RebalanceInProgressException", "The group is rebalancing, so a rejoin is needed."),
    29: ("TopicAuthorizationException", "Topic authorization failed."),
    30: ("GroupAuthorizationException", "Group authorization failed."),
    68: ("GroupNotEmptyException", "The group is not empty."),
    69: ("GroupIdNotFoundException", "The group id does not exist."),
    86: ("GroupSubscribedToTopicException", "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it."),
}


@dataclass(frozen=True)
class GroupListing:
    group_id: str
    state: str | None  # None when the broker does not report states (ListGroups before v4)


@dataclass(frozen=True)
class OffsetRow:
    """A line of the offsets view; None prints as Kafka's ``-``."""

    group_id: str
    topic: str | None
    partition: int | None
    current_offset: int | None
    log_end_offset: int | None
    lag: int | None
    consumer_id: str | None
    host: str | None
    client_id: str | None


@dataclass(frozen=True)
class Member:
    group_id: str
    consumer_id: str
    group_instance_id: str  # "" for a dynamic member, as Kafka prints it
    host: str
    client_id: str
    assignment: tuple[TopicPartition, ...]


@dataclass(frozen=True)
class GroupDescription:
    """A described group: its state (``Dead`` when it does not exist), members, and for the offsets view its rows."""

    group_id: str
    state: str
    protocol: str  # the assignment strategy, e.g. ``range``; "" while empty
    coordinator_id: int | None = None
    coordinator_host: str | None = None
    coordinator_port: int | None = None
    members: tuple[Member, ...] = ()
    offsets: tuple[OffsetRow, ...] = ()


@dataclass(frozen=True)
class GroupReset:
    """New offsets for one group, or why it was left alone."""

    group_id: str
    offsets: dict[TopicPartition, int] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class ResetOutcome:
    groups: list[GroupReset]
    warnings: list[str]


@dataclass(frozen=True)
class GroupDeletion:
    group_id: str
    error: str | None  # Kafka's text for why it was not deleted


@dataclass(frozen=True)
class PartitionDeletion:
    topic: str
    partition: int | None  # None: the topic's partitions could not be found
    error: str | None


@dataclass(frozen=True)
class OffsetDeletion:
    group_id: str
    topics: list[str]
    error: str | None  # Kafka's word on the first error (as its ``all()`` reports it); None when every partition succeeded
    partitions: list[PartitionDeletion]


# -- arguments ----------------------------------------------------------------


def parse_topic_arg(arg: str) -> tuple[str, list[int] | None]:
    """``topic`` or ``topic:0,1,2`` → (topic, partitions or None for all); OptionError in Kafka's words."""
    if ":" not in arg:
        return arg, None
    pieces = _java_split(arg, ":")
    if len(pieces) != 2:
        raise OptionError(f"Invalid topic arg '{arg}', expected topic name and partitions")
    topic, partitions = pieces
    numbers = []
    for piece in _java_split(partitions, ","):
        if not _INT.fullmatch(piece):  # Integer.parseInt: an optional sign and digits, nothing else
            raise OptionError(f"Invalid partition '{piece}' specified in topic arg '{arg}''")  # sic: Kafka's doubled quote
        numbers.append(int(piece))
    return topic, numbers


def _java_split(text: str, sep: str) -> list[str]:
    """String.split: trailing empty strings are dropped."""
    pieces = text.split(sep)
    while pieces and pieces[-1] == "":
        pieces.pop()
    return pieces


def parse_states(text: str) -> list[str]:
    """A comma-separated state list (any case) → Kafka's state names; OptionError naming the valid ones."""
    by_lower = {s.lower(): s for s in GROUP_STATES}
    states = [by_lower.get(piece.strip().lower()) for piece in text.split(",")]
    if None in states:
        raise OptionError(f"Invalid state list '{text}'. Valid states are: {', '.join(GROUP_STATES)}")
    return list(dict.fromkeys(states))


def read_reset_plan(path, group_ids: list[str]) -> dict[str, dict[TopicPartition, int]]:
    """``--from-file``: the CSV plan at ``path`` (as ``--export`` writes it), by group."""
    from pathlib import Path

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ToolError(f"Cannot read {path}: {exc.strerror}") from None
    return offset_reset.parse_reset_plan(text, group_ids)


def java_error(code: int, message: str | None = None) -> str:
    """An error as a Java exception's toString: ``org.apache.kafka.common.errors.X: message``."""
    from kafka.errors import for_code

    name, text = _JAVA_ERRORS.get(code, (for_code(code).__name__, for_code(code).description))
    return f"org.apache.kafka.common.errors.{name}: {message or text}"


# -- the cluster --------------------------------------------------------------


@contextlib.contextmanager
def _admin(bootstrap: str, call: str, settings: ClientSettings | None):
    """admin_client whose failures read as Kafka's: a timeout names TimeoutException, a broker error its exception."""
    from kafka.errors import BrokerResponseError, KafkaError

    try:
        with admin_client(bootstrap, call, settings) as admin:
            yield admin
    except BrokerResponseError as exc:
        raise ToolError(java_error(exc.errno)) from None
    except KafkaError as exc:
        raise ToolError(str(exc)) from None
    except ToolError as exc:
        if exc.message.startswith("Timed out"):
            raise ToolError(f"org.apache.kafka.common.errors.TimeoutException: {exc.message}") from None
        raise


def list_groups(bootstrap: str, states: list[str] | None = None, settings: ClientSettings | None = None) -> list[GroupListing]:
    """Consumer groups, sorted by id; ``states`` (Kafka's names) keeps only groups in those states."""
    with _admin(bootstrap, "listConsumerGroups", settings) as admin:
        return _list(admin, states)


def _list(admin, states: list[str] | None = None) -> list[GroupListing]:
    groups = admin.list_groups(states_filter=states or None)
    found = {g["group_id"]: g.get("group_state") or None for g in groups if g.get("protocol_type", "") in CONSUMER_PROTOCOL_TYPES}
    return [GroupListing(group_id, state) for group_id, state in sorted(found.items())]


def describe_groups(bootstrap: str, group_ids: list[str] | None, *, offsets: bool = True, coordinator: bool = False,
                    settings: ClientSettings | None = None) -> list[GroupDescription]:
    """``group_ids`` (None: every group) described, sorted by id; with ``offsets``, each with its offsets view."""
    with _admin(bootstrap, "listConsumerGroups" if group_ids is None else "describeConsumerGroups", settings) as admin:
        if group_ids is None:
            group_ids = [g.group_id for g in _list(admin)]
        if not group_ids:
            return []
        described = _describe(admin, group_ids, coordinator)
        if offsets:
            committed = {g: _committed(admin.list_group_offsets([g]).get(g, {})) for g in described}  # one group a request: OffsetFetch v8 is not everywhere
            assigned = {tp for d in described.values() for m in d.members for tp in m.assignment}
            ends = _log_end_offsets(admin, assigned | {tp for c in committed.values() for tp in c})
            described = {g: _with_offsets(d, committed[g], ends) for g, d in described.items()}
    return [described[g] for g in sorted(described)]


def _describe(admin, group_ids: list[str], coordinator: bool) -> dict[str, GroupDescription]:
    from kafka.errors import GroupIdNotFoundError

    out = {}
    nodes = _coordinators(admin, group_ids) if coordinator else {}
    for group_id, d in admin.describe_groups(list(dict.fromkeys(group_ids))).items():
        if d.get("error") and GroupIdNotFoundError.__name__ not in d["error"]:
            code = _ERRNO.search(d["error"])
            raise ToolError(java_error(int(code.group(1))) if code else d["error"])
        state = "Dead" if d.get("error") else d.get("group_state") or "Dead"
        members = tuple(
            Member(group_id, m["member_id"], m.get("group_instance_id") or "", m.get("client_host") or "", m.get("client_id") or "",
                   _assignment(m.get("member_assignment")))
            for m in d.get("members") or ()
        )
        node = nodes.get(group_id)
        out[group_id] = GroupDescription(group_id, state, d.get("protocol_data") or "", *(node or (None, None, None)), members=members)
    return out


def _assignment(assignment) -> tuple[TopicPartition, ...]:
    """A member's partitions from its decoded ConsumerProtocol assignment; none when it has none or is not a consumer's."""
    if not isinstance(assignment, dict):
        return ()
    return tuple(TopicPartition(t["topic"], p) for t in assignment.get("assigned_partitions") or () for p in t["partitions"])


def _coordinators(admin, group_ids: list[str]) -> dict[str, tuple[int, str, int]]:
    """Each group's coordinator as (node id, host, port)."""
    # kafka-python keeps FindCoordinator behind its admin client; this is the lookup its own group calls make.
    ids = admin._manager.run(admin._find_coordinator_ids, list(group_ids))
    brokers = {b["broker_id"]: (b["host"], b["port"]) for b in admin.describe_cluster()["brokers"]}
    return {g: (node, *brokers.get(node, ("", -1))) for g, node in ids.items()}


def _committed(offsets: dict) -> dict[TopicPartition, int | None]:
    """Committed offsets; -1 (none committed) becomes None, as Kafka's admin client reports it."""
    return {TopicPartition(tp.topic, tp.partition): (o.offset if o.offset >= 0 else None) for tp, o in offsets.items()}


def _log_end_offsets(admin, partitions) -> dict[TopicPartition, int]:
    """Log end offsets; a partition the cluster cannot answer for (e.g. its topic was deleted) is left out."""
    from kafka.admin import OffsetSpec
    from kafka.errors import KafkaError

    partitions = sorted(partitions)
    if not partitions:
        return {}
    try:
        return {tp: r.offset for tp, r in admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in partitions}, READ_UNCOMMITTED).items()}
    except KafkaError:
        out = {}
        for tp in partitions:
            with contextlib.suppress(KafkaError):
                out.update({tp: r.offset for tp, r in admin.list_partition_offsets({tp: OffsetSpec.LATEST}, READ_UNCOMMITTED).items()})
        return out


def _with_offsets(group: GroupDescription, committed: dict[TopicPartition, int | None], log_end: dict[TopicPartition, int]) -> GroupDescription:
    """The offsets view: members' partitions, most partitions first, then committed partitions nobody is assigned."""
    def row(tp, member):
        current, end = committed.get(tp), log_end.get(tp)
        lag = end - current if current is not None and end is not None else None
        return OffsetRow(group.group_id, tp.topic, tp.partition, current, end, lag,
                         member.consumer_id if member else None, member.host if member else None, member.client_id if member else None)

    rows = []
    assigned = set()
    for member in sorted((m for m in group.members if m.assignment), key=lambda m: -len(m.assignment)):
        assigned.update(member.assignment)
        rows += [row(tp, member) for tp in sorted(member.assignment)]
    rows += [row(tp, None) for tp in sorted(set(committed) - assigned)]
    return dataclasses.replace(group, offsets=tuple(rows))


def delete_groups(bootstrap: str, group_ids: list[str] | None, settings: ClientSettings | None = None) -> list[GroupDeletion]:
    """Delete ``group_ids`` (None: every group); each result says why a group was not deleted, in Kafka's words."""
    import kafka.errors

    with _admin(bootstrap, "listConsumerGroups" if group_ids is None else "deleteConsumerGroups", settings) as admin:
        if group_ids is None:
            group_ids = [g.group_id for g in _list(admin)]
        results = admin.delete_groups(list(dict.fromkeys(group_ids))) if group_ids else {}
    out = []
    for group_id in dict.fromkeys(group_ids):
        result = results.get(group_id, "OK")
        error = None if result == "OK" else f"java.util.concurrent.ExecutionException: {java_error(getattr(kafka.errors, result).errno)}"
        out.append(GroupDeletion(group_id, error))
    return out


def reset_offsets(bootstrap: str, group_ids: list[str] | None, topics: list[str] | None, scenario: offset_reset.ResetScenario,
                  execute: bool, settings: ClientSettings | None = None) -> ResetOutcome:
    """Plan (and with ``execute``, commit) new offsets for each inactive group.

    ``topics`` are ``topic[:p,p]`` arguments; None means every partition the group has committed (``--all-topics``).
    """
    from kafka.structs import OffsetAndMetadata

    outcome = ResetOutcome([], [])
    with _admin(bootstrap, "listConsumerGroups" if group_ids is None else "describeConsumerGroups", settings) as admin:
        if group_ids is None:
            group_ids = [g.group_id for g in _list(admin)]
        described = _describe(admin, group_ids, coordinator=False) if group_ids else {}
        for group_id in sorted(described):
            state = described[group_id].state
            if state not in INACTIVE_STATES:
                outcome.groups.append(GroupReset(group_id, error=f"Assignments can only be reset if the group '{group_id}' is inactive, but the current state is {state}."))
                continue
            committed = {tp: o for tp, o in _committed(admin.list_group_offsets([group_id]).get(group_id, {})).items() if o is not None}
            if scenario.from_file is not None:
                if group_id not in scenario.from_file:
                    outcome.groups.append(GroupReset(group_id, error=f"No reset plan for group {group_id} found"))
                    continue
                partitions = sorted(scenario.from_file[group_id])
            else:
                partitions = sorted(committed) if topics is None else _partitions(admin, topics)
            plan = offset_reset.plan(scenario, partitions, _offsets_for(admin, scenario, partitions, committed), group_id)
            outcome.warnings.extend(plan.warnings)
            if execute and plan.offsets:
                _commit(admin, group_id, {tp: OffsetAndMetadata(o, "", None) for tp, o in plan.offsets.items()})
            outcome.groups.append(GroupReset(group_id, plan.offsets))
    return outcome


def _partitions(admin, topic_args: list[str]) -> list[TopicPartition]:
    """The partitions ``topic[:p,p]`` arguments name; a bare topic means all of its partitions."""
    explicit, whole = [], []
    for arg in topic_args:
        topic, partitions = parse_topic_arg(arg)
        if partitions is None:
            whole.append(topic)
        else:
            explicit += [TopicPartition(topic, p) for p in partitions]
    found = _topic_partitions(admin, whole)
    missing = [t for t in whole if t not in found]
    if missing:
        raise ToolError(java_error(3))
    return list(dict.fromkeys(explicit + [tp for t in whole for tp in found[t]]))


def _topic_partitions(admin, topics: list[str]) -> dict[str, list[TopicPartition]]:
    """Partitions of the topics that exist (without creating any)."""
    if not topics:
        return {}
    existing = set(admin.list_topics())
    wanted = [t for t in dict.fromkeys(topics) if t in existing]
    described = admin.describe_topics(wanted) if wanted else []
    return {d["name"]: sorted(TopicPartition(d["name"], p["partition_index"]) for p in d["partitions"])
            for d in described if not d.get("error_code")}


def _offsets_for(admin, scenario: offset_reset.ResetScenario, partitions: list[TopicPartition],
                 committed: dict[TopicPartition, int]) -> offset_reset.PartitionOffsets:
    from kafka.admin import OffsetSpec

    if not partitions:
        return offset_reset.PartitionOffsets(committed)

    def spec(value):
        return {tp: r.offset for tp, r in admin.list_partition_offsets({tp: value for tp in partitions}, READ_UNCOMMITTED).items()}

    by_timestamp = spec(scenario.value) if scenario.name in ("to-datetime", "by-duration") else {}
    return offset_reset.PartitionOffsets(committed, spec(OffsetSpec.EARLIEST), spec(OffsetSpec.LATEST), by_timestamp)


def _commit(admin, group_id: str, offsets) -> None:
    errors = admin.alter_group_offsets(group_id, offsets)
    for error in errors.values():
        if error.errno:
            raise ToolError(java_error(error.errno))


def delete_offsets(bootstrap: str, group_id: str, topic_args: list[str], settings: ClientSettings | None = None) -> OffsetDeletion:
    """Delete ``group_id``'s committed offsets for the partitions ``topic[:p,p]`` arguments name."""
    from kafka.errors import BrokerResponseError

    explicit, whole = [], []
    for arg in topic_args:
        topic, partitions = parse_topic_arg(arg)
        (whole.append(topic) if partitions is None else explicit.extend(TopicPartition(topic, p) for p in partitions))
    with _admin(bootstrap, "describeTopics" if whole else "deleteConsumerGroupOffsets", settings) as admin:
        found = _topic_partitions(admin, whole)
        rows = [PartitionDeletion(t, None, java_error(3)) for t in dict.fromkeys(whole) if t not in found]
        partitions = list(dict.fromkeys(explicit + [tp for t in whole for tp in found.get(t, ())]))
        try:
            results = {tp: e.errno for tp, e in admin.delete_group_offsets(group_id, partitions).items()} if partitions else {}
            top = next((code for code in results.values() if code), 0)
        except BrokerResponseError as exc:
            results, top = {tp: exc.errno for tp in partitions}, exc.errno
    rows += [PartitionDeletion(tp.topic, tp.partition, java_error(results[tp]) if results.get(tp) else None) for tp in partitions]
    rows.sort(key=lambda r: r.topic + str(-1 if r.partition is None else r.partition))  # Kafka sorts on topic + partition as text
    return OffsetDeletion(group_id, list(topic_args), _offset_deletion_error(group_id, top), rows)


def _offset_deletion_error(group_id: str, code: int) -> str | None:
    """What Kafka's deleteOffsets prints for the request's error."""
    from kafka.errors import for_code

    if code == 0:
        return None
    partition_level = "Encounter some partition level error, see the follow-up details:"
    return {
        24: f"'{group_id}' is not valid.",
        69: f"'{group_id}' does not exist.",
        30: f"Access to '{group_id}' is not authorized.",
        68: f"Deleting offsets of a consumer group '{group_id}' is forbidden if the group is not empty.",
        86: partition_level, 29: partition_level, 3: partition_level,
    }.get(code, f"Encounter some unknown error: {for_code(code).message}")
