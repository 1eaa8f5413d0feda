"""kafka-acls (AclCommand) with ``--bootstrap-server``: add, list and remove ACL bindings over
CreateAcls/DescribeAcls/DeleteAcls, with Kafka's ``--producer``/``--consumer`` shortcuts.

``--producer`` on topics gives WRITE, DESCRIBE and CREATE (plus IDEMPOTENT_WRITE
on the cluster with ``--idempotent``, WRITE and DESCRIBE on ``--transactional-id``);
``--consumer`` gives READ and DESCRIBE on topics and READ on ``--group``.
Operations are accepted as Kafka's tool accepts them (``Read``, ``IdempotentWrite``,
case-insensitive) and printed upper case, as Kafka prints AccessControlEntry.
An operation a resource type does not have (Kafka's AclEntry.supportedOperations,
plus All) is refused before anything is sent, as AclCommand.validateOperation does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kcli.tools.admin import admin_client
from kcli.tools.client_config import ClientSettings
from kcli.tools.errors import ToolError

RESOURCE_TYPES = {2: "TOPIC", 3: "GROUP", 4: "CLUSTER", 5: "TRANSACTIONAL_ID"}
PATTERN_TYPES = {"any": 1, "match": 2, "literal": 3, "prefixed": 4}
_PATTERN_NAMES = {1: "ANY", 2: "MATCH", 3: "LITERAL", 4: "PREFIXED"}
OPERATIONS = {"ALL": 2, "READ": 3, "WRITE": 4, "CREATE": 5, "DELETE": 6, "ALTER": 7, "DESCRIBE": 8, "CLUSTER_ACTION": 9,
              "DESCRIBE_CONFIGS": 10, "ALTER_CONFIGS": 11, "IDEMPOTENT_WRITE": 12}
_OPERATION_NAMES = {code: name for name, code in OPERATIONS.items()}
_PERMISSIONS = {2: "DENY", 3: "ALLOW"}
_SUPPORTED_OPERATIONS = {  # AclEntry.supportedOperations, in its order
    2: (3, 4, 5, 8, 6, 7, 10, 11),  # TOPIC: Read, Write, Create, Describe, Delete, Alter, DescribeConfigs, AlterConfigs
    3: (3, 8, 6),  # GROUP: Read, Describe, Delete
    4: (5, 9, 10, 11, 12, 7, 8),  # CLUSTER: Create, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, Alter, Describe
    5: (8, 4),  # TRANSACTIONAL_ID: Describe, Write
}
CLUSTER_NAME = "kafka-cluster"


class AclError(ToolError):
    """The broker refused; Kafka's tool prints "Error while executing ACL command: ..."."""


@dataclass(frozen=True, order=True)
class ResourcePattern:
    resource_type: int
    name: str
    pattern_type: int

    def __str__(self) -> str:
        return (f"ResourcePattern(resourceType={RESOURCE_TYPES.get(self.resource_type, 'UNKNOWN')}, name={self.name}, "
                f"patternType={_PATTERN_NAMES.get(self.pattern_type, 'UNKNOWN')})")


@dataclass(frozen=True)
class AccessControlEntry:
    principal: str
    host: str
    operation: int
    permission_type: int

    def __str__(self) -> str:
        return (f"(principal={self.principal}, host={self.host}, operation={_OPERATION_NAMES.get(self.operation, 'UNKNOWN')}, "
                f"permissionType={_PERMISSIONS.get(self.permission_type, 'UNKNOWN')})")


@dataclass
class AclRequest:
    """What the command line asks for: resources, and the entries to add or remove on each."""

    resources: dict[ResourcePattern, list[AccessControlEntry]] = field(default_factory=dict)


def operation_code(text: str) -> int:
    key = text.replace("-", "").replace("_", "").upper()
    for name, code in OPERATIONS.items():
        if name.replace("_", "") == key:
            return code
    raise ToolError(f"Invalid operation '{text}': use one of Read, Write, Create, Delete, Alter, Describe, ClusterAction, "
                    "DescribeConfigs, AlterConfigs, IdempotentWrite, All")


def resources(topics: list[str], groups: list[str], cluster: bool, transactional_ids: list[str], pattern: str) -> list[ResourcePattern]:
    try:
        pattern_type = PATTERN_TYPES[pattern.lower()]
    except KeyError:
        raise ToolError(f"Invalid resource pattern type '{pattern}': use literal, prefixed, match or any") from None
    out = [ResourcePattern(2, t, pattern_type) for t in topics] + [ResourcePattern(3, g, pattern_type) for g in groups]
    out += [ResourcePattern(5, t, pattern_type) for t in transactional_ids]
    if cluster:
        out.append(ResourcePattern(4, CLUSTER_NAME, 3 if pattern_type in (3, 4) else pattern_type))
    return out


def entries(resources_: list[ResourcePattern], allow: list[str], deny: list[str], allow_hosts: list[str], deny_hosts: list[str],
            operations: list[str], producer: bool, consumer: bool, idempotent: bool) -> dict[ResourcePattern, list[AccessControlEntry]]:
    """The bindings to add or remove, per resource, as AclCommand.getAcls / getProducerResourceFilterToAcls."""
    for principal in allow + deny:
        if ":" not in principal:
            raise ToolError(f"Could not parse principal from `{principal}` (no colon is present separating the principal type from the principal name)")
    if (allow_hosts and not allow) or (deny_hosts and not deny):
        raise ToolError("--allow-host can only be used with --allow-principal, --deny-host with --deny-principal")
    topics = [r for r in resources_ if r.resource_type == 2]
    out: dict[ResourcePattern, list[AccessControlEntry]] = {}

    def add(resource: ResourcePattern, ops: list[int]) -> None:
        acls = out.setdefault(resource, [])
        for principal, permission, hosts in ((p, 3, allow_hosts or ["*"]) for p in allow):
            acls += [AccessControlEntry(principal, h, op, permission) for h in hosts for op in ops]
        for principal, permission, hosts in ((p, 2, deny_hosts or ["*"]) for p in deny):
            acls += [AccessControlEntry(principal, h, op, permission) for h in hosts for op in ops]

    if producer or consumer:
        if consumer and not any(r.resource_type == 3 for r in resources_):
            raise ToolError("With --consumer you must specify a --group")
        if not topics:
            raise ToolError("With --producer or --consumer you must specify a --topic")
        for resource in resources_:
            if resource.resource_type == 2:
                add(resource, ([4, 8, 5] if producer else []) + ([3, 8] if consumer else []))
            elif resource.resource_type == 3 and consumer:
                add(resource, [3])
            elif resource.resource_type == 5 and producer:
                add(resource, [4, 8])
        if producer and idempotent:
            add(ResourcePattern(4, CLUSTER_NAME, 3), [12])
        return out
    codes = [operation_code(o) for o in operations] or [2]
    for resource in resources_:
        add(resource, codes)
    _validate_operations(out)
    return out


def _validate_operations(bindings: dict[ResourcePattern, list[AccessControlEntry]]) -> None:
    for resource, acls in bindings.items():
        valid = (*_SUPPORTED_OPERATIONS.get(resource.resource_type, ()), 2)
        if any(a.operation not in valid for a in acls):
            names = ", ".join(_operation_name(code) for code in valid)
            raise ToolError(f"ResourceType {RESOURCE_TYPES[resource.resource_type]} only supports operations {names}")


def _operation_name(code: int) -> str:
    """Kafka's SecurityUtils.operationName: ``IDEMPOTENT_WRITE`` is ``IdempotentWrite``."""
    return "".join(word.capitalize() for word in _OPERATION_NAMES[code].split("_"))


def add(bootstrap: str, bindings: dict[ResourcePattern, list[AccessControlEntry]], settings: ClientSettings | None = None) -> None:
    from kafka.protocol.admin import CreateAclsRequest

    creations = [(r.resource_type, r.name, r.pattern_type, a.principal, a.host, a.operation, a.permission_type)
                 for r, acls in bindings.items() for a in acls]
    with admin_client(bootstrap, "createAcls", settings) as admin:
        response = _send(admin, CreateAclsRequest(creations=creations))
    for result in response.results:
        if result.error_code:
            raise AclError(_error(result.error_code, result.error_message))


def remove(bootstrap: str, bindings: dict[ResourcePattern, list[AccessControlEntry]], resources_: list[ResourcePattern],
           settings: ClientSettings | None = None) -> None:
    """Remove the given entries, or, for a resource without principals on the command line, every binding on it."""
    from kafka.protocol.admin import DeleteAclsRequest

    filters: list[tuple] = []
    for r in resources_:
        acls = bindings.get(r) or []
        if acls:
            filters += [(r.resource_type, r.name, r.pattern_type, a.principal, a.host, a.operation, a.permission_type) for a in acls]
        else:
            filters.append((r.resource_type, r.name, r.pattern_type, None, None, 1, 1))
    with admin_client(bootstrap, "deleteAcls", settings) as admin:
        response = _send(admin, DeleteAclsRequest(filters=filters))
    for result in response.filter_results:
        if result.error_code:
            raise AclError(_error(result.error_code, result.error_message))


def describe(bootstrap: str, resources_: list[ResourcePattern], settings: ClientSettings | None = None) -> dict[ResourcePattern, list[AccessControlEntry]]:
    """Bindings on each resource (every resource with bindings when none is named)."""
    from kafka.protocol.admin import DescribeAclsRequest

    wanted = resources_ or [ResourcePattern(1, None, 1)]  # type: ignore[arg-type]
    out: dict[ResourcePattern, list[AccessControlEntry]] = {}
    with admin_client(bootstrap, "describeAcls", settings) as admin:
        for r in wanted:
            response = _send(admin, DescribeAclsRequest(resource_type_filter=r.resource_type, resource_name_filter=r.name,
                                                        pattern_type_filter=r.pattern_type, principal_filter=None, host_filter=None,
                                                        operation=1, permission_type=1))
            if response.error_code:
                raise AclError(_error(response.error_code, response.error_message))
            for res in response.resources:
                key = ResourcePattern(res.resource_type, res.resource_name, res.pattern_type)
                out.setdefault(key, []).extend(AccessControlEntry(a.principal, a.host, a.operation, a.permission_type) for a in res.acls)
    return out


def _error(code: int, message: str | None) -> str:
    names = {54: "SecurityDisabledException", 31: "ClusterAuthorizationException", 42: "InvalidRequestException"}
    return f"org.apache.kafka.common.errors.{names.get(code, 'KafkaException')}: {message or 'error code %d' % code}"


def _send(admin, request):
    async def call():
        return await admin._manager.send(request)

    return admin._manager.run(call)
