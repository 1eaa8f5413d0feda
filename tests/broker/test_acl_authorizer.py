"""authorize_by_resource_type: Kafka's Authorizer default (KIP-679), which lets a principal with WRITE on any
topic be an idempotent producer."""

from __future__ import annotations

import pytest

from kcli.broker.acl.authorizer import Authorizer
from kcli.broker.acl.bindings import ALL, ALLOW, DENY, LITERAL, PREFIXED, READ, TOPIC, WRITE, AclBinding, AclStore

ALICE = "User:alice"


def _authorizer(tmp_path, *bindings, allow_if_none=False, supers=()):
    store = AclStore(tmp_path)
    store.bindings = list(bindings)
    return Authorizer(store, set(supers), allow_if_none)


def _binding(name, permission=ALLOW, pattern=LITERAL, operation=WRITE, principal=ALICE, host="*"):
    return AclBinding(TOPIC, name, pattern, principal, host, operation, permission)


@pytest.mark.parametrize("bindings,allowed", [
    ((), False),
    ((_binding("beans"),), True),
    ((_binding("beans", operation=READ),), False),  # READ is not WRITE
    ((_binding("beans", operation=ALL),), True),
    ((_binding("beans", principal="User:bob"),), False),
    ((_binding("beans", principal="User:*"),), True),
    ((_binding("beans", host="10.0.0.9"),), False),
    ((_binding("beans"), _binding("beans", DENY)), False),  # the same literal name denied
    ((_binding("beans"), _binding("bea", DENY, PREFIXED)), False),  # a prefix of it denied
    ((_binding("beans"), _binding("beans-x", DENY, PREFIXED)), True),  # a longer prefix does not cover it
    ((_binding("beans"), _binding("tea", DENY)), True),  # another name denied
    ((_binding("be", pattern=PREFIXED), _binding("be", DENY)), True),  # a literal deny does not dominate a prefix
    ((_binding("be", pattern=PREFIXED), _binding("b", DENY, PREFIXED)), False),
    ((_binding("*"), _binding("beans", DENY)), True),  # a wildcard allow
    ((_binding("beans"), _binding("*", DENY)), False),  # a wildcard deny
])
def test_write_on_some_topic(tmp_path, bindings, allowed):
    assert _authorizer(tmp_path, *bindings).authorize_by_resource_type(ALICE, "127.0.0.1", WRITE, TOPIC) is allowed


def test_super_users_and_allow_everyone_if_no_acl_found_pass_through_the_hardcoded_name(tmp_path):
    assert _authorizer(tmp_path, _binding("*", DENY), supers=(ALICE,)).authorize_by_resource_type(ALICE, "h", WRITE, TOPIC)
    assert _authorizer(tmp_path, allow_if_none=True).authorize_by_resource_type(ALICE, "h", WRITE, TOPIC)
