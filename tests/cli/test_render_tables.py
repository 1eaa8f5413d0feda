"""Every rich table kcli draws, on a fixed-width terminal of 80 and 200 columns (and one too narrow for a table).

On a terminal: the headers are whole, on one line; each row is one line; a long id is shortened in
the middle with an ellipsis, never wrapped character by character; a terminal too narrow for that
gets Kafka's plain layout. The tables are consumer-groups' (kcli's only rich tables).
"""

import io

import pytest
from kafka.structs import TopicPartition
from rich.console import Console

from kcli.cli import render
from kcli.cli.render import consumer_groups as render_groups
from kcli.cli.render import tables as render_tables
from kcli.tools.consumer_groups import (
    GroupDescription,
    GroupListing,
    GroupReset,
    Member,
    OffsetDeletion,
    OffsetRow,
    PartitionDeletion,
    ResetOutcome,
)

CONSUMER_ID = "console-consumer-029af89c-873c-4751-a720-cefd41a669d6"
OTHER_ID = "console-consumer-7d1e4b02-5c3a-4f0e-9b8d-2e6f1a0c9d44"
GROUP = "espresso-bar-consumers"
T = TopicPartition
MEMBERS = (
    Member(GROUP, CONSUMER_ID, "", "/127.0.0.1", "console-consumer", (T("coffee", 0), T("coffee", 1), T("tea", 2))),
    Member(GROUP, OTHER_ID, "", "/192.168.100.200", "console-consumer", (T("coffee", 2),)),
)
STATIC = (Member(GROUP, CONSUMER_ID, "barista-instance-1", "/127.0.0.1", "console-consumer", (T("coffee", 0),)),)
OFFSETS = (
    OffsetRow(GROUP, "coffee", 0, 1234567, 1234600, 33, CONSUMER_ID, "/127.0.0.1", "console-consumer"),
    OffsetRow(GROUP, "coffee", 1, None, 7, None, None, None, None),
)
DESCRIBED = GroupDescription(GROUP, "Stable", "range", 0, "localhost", 9092, members=MEMBERS, offsets=OFFSETS)


def _tables():
    """Each table: (name, the render call taking terminal= and console=, its headers, the long values it shows)."""
    yield "list --state", lambda **kw: render.group_list([GroupListing(GROUP, "Stable"), GroupListing("g", "Empty")], True, **kw), \
        ("GROUP", "STATE"), [GROUP]
    yield "describe", lambda **kw: render.group_offsets([DESCRIBED], **kw), render_groups._OFFSET_HEADERS, [CONSUMER_ID, "1234567"]
    yield "describe --members", lambda **kw: render.group_members([DESCRIBED], False, **kw), \
        ("GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"), [CONSUMER_ID, OTHER_ID]
    yield "describe --members --verbose", lambda **kw: render.group_members([DESCRIBED], True, **kw), \
        ("GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT"), [CONSUMER_ID, "coffee(0,1), tea(2)"]
    yield "describe --members (static)", lambda **kw: render.group_members([GroupDescription(GROUP, "Stable", "range", members=STATIC)], True, **kw), \
        ("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT"), [CONSUMER_ID, "barista-instance-1"]
    yield "describe --state", lambda **kw: render.group_states([DESCRIBED], **kw), \
        ("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"), [GROUP, "localhost:9092 (0)"]
    outcome = ResetOutcome([GroupReset(GROUP, {T("coffee", 0): 1234567, T("a-topic-with-a-rather-long-name-indeed", 1): 0})], [])
    yield "reset-offsets", lambda **kw: render.offsets_to_reset(outcome, **kw), ("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"), \
        [GROUP, "a-topic-with-a-rather-long-name-indeed"]
    deletion = OffsetDeletion(GROUP, ["coffee"], None, [PartitionDeletion("coffee", 0, None), PartitionDeletion("coffee", 1, "Error: The group is not empty.")])
    yield "delete-offsets", lambda **kw: render.deleted_offsets(deletion, **kw), ("TOPIC", "PARTITION", "STATUS"), ["Successful"]


TABLES = list(_tables())
KAFKA_LAYOUT_AT_80 = {"describe", "describe --members --verbose", "describe --members (static)"}  # too many columns for 80


def _draw(call, width, capsys):
    """What the terminal shows: lines printed before the table, then the console's text."""
    capsys.readouterr()
    screen = io.StringIO()
    call(terminal=True, console=Console(width=width, file=screen, highlight=False, color_system=None, legacy_windows=False))
    return capsys.readouterr().out, screen.getvalue()


def _kafka_layout(call, capsys):
    capsys.readouterr()
    call(terminal=False)
    return capsys.readouterr().out


def _rows_after_header(text, first_header):
    lines = [line for line in text.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith(first_header))
    return lines[start + 1:]


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize("name,call,headers,values", TABLES, ids=[t[0] for t in TABLES])
def test_a_terminal_table_keeps_headers_whole_and_each_row_on_one_line(name, call, headers, values, width, capsys):
    before, screen = _draw(call, width, capsys)
    kafka = _kafka_layout(call, capsys)
    if width == 80 and name in KAFKA_LAYOUT_AT_80:
        assert before + screen == kafka
        return
    lines = [line for line in screen.splitlines() if line.strip()]
    assert all(len(line) <= width for line in lines), screen
    positions = [lines[0].find(h) for h in headers]
    assert -1 not in positions and positions == sorted(positions), screen  # every header whole, in order, on one line
    assert set(lines[1]) == {"─"}, screen
    rows = lines[2:]
    assert len(rows) == len(_rows_after_header(kafka, headers[0])), screen  # one line per row: nothing wrapped
    if width == 200:
        assert all(v in screen for v in values) and "…" not in screen, screen
    for value in values:  # whole, or its start and end around an ellipsis
        if value not in screen:
            cells = [cell.strip() for line in rows for cell in line.split("  ") if "…" in cell]
            start, end = next(c.split("…") for c in cells if value.startswith(c.split("…")[0]) and value.endswith(c.split("…")[1]))
            assert len(start) >= 5 and len(end) >= 5, (value, start, end)
    assert before + screen != kafka


@pytest.mark.parametrize("name,call,headers,values", TABLES, ids=[t[0] for t in TABLES])
def test_a_terminal_too_narrow_for_the_table_gets_kafkas_layout(name, call, headers, values, capsys):
    before, screen = _draw(call, 16, capsys)
    assert before + screen == _kafka_layout(call, capsys)


def test_ids_shortened_keep_their_start_and_end():
    assert render_tables._shortened(CONSUMER_ID, 20, "…") == "console-co…41a669d6"[:10] + "…" + CONSUMER_ID[-9:]
    assert len(render_tables._shortened(CONSUMER_ID, 20, "…")) == 20
    assert render_tables._shortened("short", 20, "…") == "short"
