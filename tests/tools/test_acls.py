"""kafka-acls' check that each resource type is given only operations it has (AclCommand.validateOperation)."""

from __future__ import annotations

import pytest

from kcli.tools import acls
from kcli.tools.errors import ToolError
from tests.processes import kcli


def _entries(patterns, operations, producer=False):
    return acls.entries(patterns, ["User:alice"], [], [], [], operations, producer, False, False)


def test_a_transactional_id_takes_describe_write_and_all_only():
    patterns = acls.resources([], [], False, ["roastery"], "literal")
    assert [a.operation for a in _entries(patterns, ["Write", "Describe", "All"])[patterns[0]]] == [4, 8, 2]
    with pytest.raises(ToolError, match="^ResourceType TRANSACTIONAL_ID only supports operations Describe, Write, All$"):
        _entries(patterns, ["Read"])


def test_each_resource_type_refuses_what_kafka_refuses():
    with pytest.raises(ToolError, match="^ResourceType GROUP only supports operations Read, Describe, Delete, All$"):
        _entries(acls.resources([], ["baristas"], False, [], "literal"), ["Write"])
    with pytest.raises(ToolError, match="^ResourceType TOPIC only supports operations .*, All$"):
        _entries(acls.resources(["coffee"], [], False, [], "literal"), ["IdempotentWrite"])
    cluster = acls.resources([], [], True, [], "literal")
    assert [a.operation for a in _entries(cluster, ["IdempotentWrite"])[cluster[0]]] == [12]
    both = acls.resources(["coffee"], [], False, ["roastery"], "literal")  # --producer gives each what it supports
    assert {r.resource_type: [a.operation for a in e] for r, e in _entries(both, [], producer=True).items()} == {2: [4, 8, 5], 5: [4, 8]}


def test_the_command_refuses_before_reaching_a_broker():
    refused = kcli("acls", "--bootstrap-server", "localhost:1", "--add", "--allow-principal", "User:alice",
                   "--operation", "Read", "--transactional-id", "roastery", timeout=60)
    assert refused.returncode == 1
    assert refused.stderr.strip() == "ResourceType TRANSACTIONAL_ID only supports operations Describe, Write, All"
