"""AclBinding and AclStore: Kafka's ACL bindings, durable in ``<log.dir>/acls.json``.

A binding is (resource type, resource name, pattern type, principal, host,
operation, permission), with Kafka's codes (org.apache.kafka.common.acl /
resource): resource types TOPIC 2, GROUP 3, CLUSTER 4, TRANSACTIONAL_ID 5;
pattern types LITERAL 3, PREFIXED 4 (MATCH 2 and ANY 1 only in filters);
operations ALL 2, READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8,
CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12;
permissions DENY 2, ALLOW 3. File format: a JSON list of bindings as objects
with those field names, rewritten whole through a temporary file and an atomic rename.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "acls.json"
ANY, MATCH, LITERAL, PREFIXED = 1, 2, 3, 4
TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID = 2, 3, 4, 5
ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE = 2, 3, 4, 5, 6, 7, 8
CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE = 9, 10, 11, 12
DENY, ALLOW = 2, 3
WILDCARD = "*"
CLUSTER_NAME = "kafka-cluster"


@dataclass(frozen=True)
class AclBinding:
    resource_type: int
    resource_name: str
    pattern_type: int
    principal: str
    host: str
    operation: int
    permission_type: int


@dataclass(frozen=True)
class AclFilter:
    resource_type: int  # ANY (1) matches every type
    resource_name: str | None  # None matches every name
    pattern_type: int  # ANY, MATCH, LITERAL or PREFIXED
    principal: str | None
    host: str | None
    operation: int
    permission_type: int

    def matches(self, b: AclBinding) -> bool:
        if self.resource_type != ANY and self.resource_type != b.resource_type:
            return False
        if self.pattern_type == MATCH:  # bindings that would apply to a resource of this name
            if self.resource_name is not None and not (
                b.resource_name == self.resource_name or (b.pattern_type == LITERAL and b.resource_name == WILDCARD)
                or (b.pattern_type == PREFIXED and self.resource_name.startswith(b.resource_name))
            ):
                return False
        else:
            if self.pattern_type != ANY and self.pattern_type != b.pattern_type:
                return False
            if self.resource_name is not None and self.resource_name != b.resource_name:
                return False
        return (
            (self.principal is None or self.principal == b.principal)
            and (self.host is None or self.host == b.host)
            and (self.operation == ANY or self.operation == b.operation)
            and (self.permission_type == ANY or self.permission_type == b.permission_type)
        )


class AclStore:
    def __init__(self, log_dir: Path):
        self.path = Path(log_dir) / FILE_NAME
        self.bindings: list[AclBinding] = []

    def load(self) -> None:
        if self.path.exists():
            self.bindings = [AclBinding(**b) for b in json.loads(self.path.read_text(encoding="utf-8"))]

    def add(self, bindings: list[AclBinding]) -> None:
        for b in bindings:
            if b not in self.bindings:
                self.bindings.append(b)
        self._save()

    def remove(self, acl_filter: AclFilter) -> list[AclBinding]:
        removed = [b for b in self.bindings if acl_filter.matches(b)]
        if removed:
            self.bindings = [b for b in self.bindings if b not in removed]
            self._save()
        return removed

    def _save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump([asdict(b) for b in self.bindings], f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
