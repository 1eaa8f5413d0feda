"""What every server-side SASL mechanism is: tokens in, challenges out, then an authenticated user.

``evaluate`` raises ``AuthenticationFailed`` with the message Kafka sends the
client as it is (Kafka's SaslAuthenticationException), or ``InvalidCredentials``
whose detail is never sent: the client gets Kafka's generic "invalid
credentials" line instead (SaslServerAuthenticator hides it so a failure does
not tell whether the user exists).
"""

from __future__ import annotations

from typing import Protocol


class AuthenticationFailed(Exception):
    """A failure whose message the client sees."""


class InvalidCredentials(Exception):
    """A failure whose message stays on the broker."""


class SaslServer(Protocol):
    complete: bool
    authorization_id: str | None

    def evaluate(self, token: bytes) -> bytes | None: ...
