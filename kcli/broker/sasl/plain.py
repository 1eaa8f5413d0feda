"""SASL/PLAIN (RFC 4616) against users from the listener's JAAS config, as Kafka's PlainServerCallbackHandler.

The client's one message is ``authzid NUL authcid NUL passwd``. The users are
the ``user_<name>="<password>"`` options of
``listener.name.<listener>.plain.sasl.jaas.config``
(``org.apache.kafka.common.security.plain.PlainLoginModule required ...``).
"""

from __future__ import annotations

import hmac

from kcli.broker.sasl.mechanism import AuthenticationFailed, InvalidCredentials


class PlainServer:
    def __init__(self, users: dict[str, str]):
        self._users = users
        self.complete = False
        self.authorization_id: str | None = None

    def evaluate(self, token: bytes) -> bytes | None:
        if self.complete:
            raise InvalidCredentials("PLAIN authentication already complete")
        parts = token.decode("utf-8", "replace").split("\0")
        if len(parts) != 3:
            raise InvalidCredentials(f"Invalid SASL/PLAIN response: expected 3 tokens, got {len(parts)}")
        authzid, username, password = parts
        if not username:
            raise AuthenticationFailed("Authentication failed: username not specified")
        if not password:
            raise AuthenticationFailed("Authentication failed: password not specified")
        expected = self._users.get(username)
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            raise AuthenticationFailed("Authentication failed: Invalid username or password")
        if authzid and authzid != username:
            raise AuthenticationFailed("Authentication failed: Client requested an authorization id that is different from username")
        self.authorization_id = username
        self.complete = True
        return b""
