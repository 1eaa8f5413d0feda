"""Authorizer: may this principal, from this host, do this operation on this resource? As Kafka's StandardAuthorizer.

- a principal in ``super.users`` (``User:admin;User:ops``) may do anything;
- a DENY binding that matches wins over any ALLOW;
- an ALLOW binding matches its operation, or ALL; DESCRIBE is implied by READ,
  WRITE, DELETE and ALTER, and DESCRIBE_CONFIGS by ALTER_CONFIGS (Kafka's AclAuthorizer);
- a binding matches a resource by LITERAL name, the LITERAL wildcard ``*``, or a
  PREFIXED name; a principal exactly or ``User:*``; a host exactly or ``*``;
- with no binding at all on the resource, ``allow.everyone.if.no.acl.found`` decides (default false);
- "may do it on some resource of this type" (KIP-679's authorizeByResourceType, which lets a principal
  with WRITE on any topic be an idempotent producer) is Kafka's Authorizer default: allowed on a resource
  named ``hardcode`` (super users), else a wildcard ALLOW, or an ALLOW pattern that no DENY of the same
  literal name or of a prefix of it overrides; a wildcard DENY refuses.
Only a broker with ``authorizer.class.name`` set has one (``ctx.authorizer`` is None otherwise).
"""

from __future__ import annotations

from kcli.broker.acl.bindings import (ALL, ALLOW, ALTER, ALTER_CONFIGS, DELETE, DENY, DESCRIBE, DESCRIBE_CONFIGS, LITERAL,
                                      PREFIXED, READ, WILDCARD, WRITE, AclBinding, AclStore)

AUTHORIZER_CLASSES = ("org.apache.kafka.metadata.authorizer.StandardAuthorizer", "kafka.security.authorizer.AclAuthorizer")
_IMPLIED = {DESCRIBE: (READ, WRITE, DELETE, ALTER), DESCRIBE_CONFIGS: (ALTER_CONFIGS,)}


class Authorizer:
    def __init__(self, store: AclStore, super_users: set[str], allow_if_no_acl: bool):
        self.store = store
        self.super_users = super_users
        self.allow_if_no_acl = allow_if_no_acl

    @classmethod
    def from_props(cls, props: dict[str, str], store: AclStore) -> "Authorizer | None":
        if not props.get("authorizer.class.name", "").strip():
            return None
        supers = {p.strip() for p in props.get("super.users", "").split(";") if p.strip()}
        return cls(store, supers, props.get("allow.everyone.if.no.acl.found", "false").strip().lower() == "true")

    def authorize(self, principal: str, host: str, operation: int, resource_type: int, name: str) -> bool:
        if principal in self.super_users:
            return True
        on_resource = [b for b in self.store.bindings if b.resource_type == resource_type and _names(b, name)]
        if not on_resource:
            return self.allow_if_no_acl
        mine = [b for b in on_resource if b.principal in (principal, "User:*") and b.host in (host, WILDCARD)]
        if any(b.permission_type == DENY and b.operation in (operation, ALL) for b in mine):
            return False
        allowed = (operation, ALL, *_IMPLIED.get(operation, ()))
        return any(b.permission_type == ALLOW and b.operation in allowed for b in mine)


    def authorize_by_resource_type(self, principal: str, host: str, operation: int, resource_type: int) -> bool:
        if self.authorize(principal, host, operation, resource_type, "hardcode"):
            return True
        mine = [b for b in self.store.bindings if b.resource_type == resource_type and b.principal in (principal, "User:*")
                and b.host in (host, WILDCARD) and b.operation in (operation, ALL)]
        denied = {(b.pattern_type, b.resource_name) for b in mine if b.permission_type == DENY}
        if (LITERAL, WILDCARD) in denied:
            return False
        allowed = [b for b in mine if b.permission_type == ALLOW and b.pattern_type in (LITERAL, PREFIXED)]
        if any(b.pattern_type == LITERAL and b.resource_name == WILDCARD for b in allowed):
            return True
        return any(
            not (b.pattern_type == LITERAL and (LITERAL, b.resource_name) in denied)
            and not any((PREFIXED, b.resource_name[:n]) in denied for n in range(1, len(b.resource_name) + 1))
            for b in allowed
        )


def _names(b: AclBinding, name: str) -> bool:
    if b.pattern_type == LITERAL:
        return b.resource_name in (name, WILDCARD)
    return b.pattern_type == PREFIXED and name.startswith(b.resource_name)
