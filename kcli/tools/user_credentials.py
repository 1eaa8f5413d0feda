"""kafka-configs for ``--entity-type users``: SCRAM credentials over DescribeUserScramCredentials and
AlterUserScramCredentials, as Kafka's ConfigCommand with ``--bootstrap-server``.

``--add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'`` salts
and hashes the password here (Hi(password, salt, i), RFC 5802) and sends only
the salt, the iteration count and the salted password; ``--delete-config
SCRAM-SHA-512`` removes that mechanism's credential. Iterations default to
4096, as Kafka's.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from kcli.tools.admin import admin_client
from kcli.tools.client_config import ClientSettings
from kcli.tools.errors import ToolError

MECHANISMS = {"SCRAM-SHA-256": (1, "sha256"), "SCRAM-SHA-512": (2, "sha512")}
_NAMES = {kind: name for name, (kind, _) in MECHANISMS.items()}
DEFAULT_ITERATIONS = 4096
_ERROR_NAMES = {91: "ResourceNotFoundException", 92: "DuplicateResourceException", 93: "UnacceptableCredentialException",
                33: "UnsupportedSaslMechanismException", 31: "ClusterAuthorizationException"}


class CredentialError(ToolError):
    """The broker refused the change; Kafka's tool reports it under "Error while executing config command"."""


@dataclass(frozen=True)
class UserScramDescription:
    user: str
    mechanisms: tuple[tuple[str, int], ...]  # (mechanism, iterations)
    error: str | None = None  # "ResourceNotFoundException: ..." when the broker has none


def describe(bootstrap: str, users: list[str], settings: ClientSettings | None = None) -> list[UserScramDescription]:
    from kafka.protocol.admin import DescribeUserScramCredentialsRequest

    with admin_client(bootstrap, "describeUserScramCredentials", settings) as admin:
        response = _send(admin, DescribeUserScramCredentialsRequest(users=[(u,) for u in users] or None))
    if response.error_code:
        raise CredentialError(f"{_ERROR_NAMES.get(response.error_code, 'KafkaException')}: {response.error_message}")
    out = []
    for result in response.results:
        if result.error_code:
            out.append(UserScramDescription(result.user, (), f"{_ERROR_NAMES.get(result.error_code, 'KafkaException')}: {result.error_message}"))
        else:
            out.append(UserScramDescription(result.user, tuple((_NAMES.get(i.mechanism, "UNKNOWN"), i.iterations) for i in result.credential_infos)))
    return out


def alter(bootstrap: str, user: str, add: dict[str, str], delete: list[str], settings: ClientSettings | None = None) -> None:
    from kafka.protocol.admin import AlterUserScramCredentialsRequest

    unknown = [k for k in [*add, *delete] if k not in MECHANISMS]
    if unknown:
        raise ToolError(f"Only SCRAM-SHA-256 and SCRAM-SHA-512 can be changed for 'users' with kcli (quotas are not supported). "
                        f"Unexpected config names: {', '.join(unknown)}")
    upsertions = [_upsertion(user, mechanism, value) for mechanism, value in add.items()]
    deletions = [(user, MECHANISMS[m][0]) for m in delete]
    with admin_client(bootstrap, "alterUserScramCredentials", settings) as admin:
        response = _send(admin, AlterUserScramCredentialsRequest(deletions=deletions, upsertions=upsertions))
    for result in response.results:
        if result.error_code:
            raise CredentialError(f"org.apache.kafka.common.errors.{_ERROR_NAMES.get(result.error_code, 'KafkaException')}: {result.error_message}")


def _upsertion(user: str, mechanism: str, value: str):
    fields = dict(part.partition("=")[::2] for part in value.split(",") if part)
    password = fields.get("password")
    if not password:
        raise ToolError(f"A password must be given for {mechanism}: --add-config '{mechanism}=[iterations=8192,password=...]'")
    try:
        iterations = int(fields.get("iterations", DEFAULT_ITERATIONS))
    except ValueError:
        raise ToolError(f"Invalid iterations '{fields['iterations']}' for {mechanism}: use a number, e.g. iterations=8192") from None
    salt = os.urandom(32)
    salted = hashlib.pbkdf2_hmac(MECHANISMS[mechanism][1], password.encode("utf-8"), salt, max(iterations, 1))
    return (user, MECHANISMS[mechanism][0], iterations, salt, salted)


def _send(admin, request):
    async def call():
        return await admin._manager.send(request)

    return admin._manager.run(call)
