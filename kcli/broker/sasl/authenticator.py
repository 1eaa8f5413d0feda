"""The SASL gate in front of dispatch, as Kafka's SaslServerAuthenticator.

On a SASL listener a connection goes HANDSHAKE → AUTHENTICATE → COMPLETE:
- before the handshake only ApiVersions and SaslHandshake are served; any
  other request closes the connection unanswered ("Unexpected Kafka request of
  type METADATA during SASL handshake.", logged as Kafka logs it);
- SaslHandshake names a mechanism among ``sasl.enabled.mechanisms`` (else
  UNSUPPORTED_SASL_MECHANISM with the enabled list, then close). v0 means the
  tokens that follow are raw size-prefixed bytes (Kafka 0.10's framing); v1
  means they come inside SaslAuthenticate requests, where any other request is
  answered with its ILLEGAL_SASL_STATE error response and the connection closes;
- a failed SaslAuthenticate is answered SASL_AUTHENTICATION_FAILED with Kafka's
  message after ``connection.failed.authentication.delay.ms``, then closed.
``receive`` maps one frame to the bytes to send; ``AuthenticationFailure``
carries what to send (if anything) before closing.
"""

from __future__ import annotations

import re
import struct
from typing import Callable

from kafka.protocol.sasl import SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse

from kcli.broker.sasl.mechanism import AuthenticationFailed, InvalidCredentials, SaslServer
from kcli.protocol.kafka import frame
from kcli.protocol.kafka.errors import ErrorCode

API_VERSIONS_KEY = 18
MAX_TOKEN_BYTES = 524288  # Kafka's sasl.server.max.receive.size default


class AuthenticationFailure(Exception):
    """Authentication ended: send ``response`` (bytes or None) after ``delayed`` and close."""

    def __init__(self, message: str, response: bytes | None = None, delayed: bool = False):
        super().__init__(message)
        self.response = response
        self.delayed = delayed


def api_name(request_class) -> str:
    """Kafka's ApiKeys name for a request class: MetadataRequest → METADATA."""
    base = request_class.__name__.removesuffix("Request")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", base).upper()


class SaslAuthenticator:
    def __init__(self, mechanisms: list[str], new_server: Callable[[str], SaslServer]):
        self.mechanisms = mechanisms
        self._new_server = new_server
        self._server: SaslServer | None = None
        self._raw_tokens = False
        self.state = "HANDSHAKE"
        self.mechanism: str | None = None

    @property
    def complete(self) -> bool:
        return self.state == "COMPLETE"

    def wants_dispatch(self, body: bytes) -> bool:
        """True for a request the broker answers as usual during the handshake (ApiVersions)."""
        if self.state != "HANDSHAKE" or len(body) < 2:
            return False
        return struct.unpack_from(">h", body)[0] == API_VERSIONS_KEY

    def receive(self, body: bytes, routes: dict) -> tuple[bytes, str | None]:
        """The framed answer to one frame, and the authenticated user once this frame completes authentication."""
        if self.state == "AUTHENTICATE" and self._raw_tokens:
            return self._raw_token(body)
        head = frame.peek_head(body)  # MalformedFrame closes the connection
        route = routes.get(head.api_key)
        if self.state == "HANDSHAKE":
            if head.api_key != SaslHandshakeRequest.API_KEY:
                name = api_name(route.request) if route else f"UNKNOWN({head.api_key})"
                raise AuthenticationFailure(f"Unexpected Kafka request of type {name} during SASL handshake.")
            if route is None or not route.serves(head.api_version):
                raise AuthenticationFailure(f"Version {head.api_version} is not supported for apiKey SASL_HANDSHAKE")
            request = frame.decode_request(SaslHandshakeRequest, head.api_version, body)
            return self._handshake(request, head), None
        # AUTHENTICATE with SaslAuthenticate requests
        if head.api_key != SaslAuthenticateRequest.API_KEY:
            message = f"Unexpected Kafka request of type {api_name(route.request) if route else head.api_key} during SASL authentication."
            response = None
            if route is not None and route.serves(head.api_version):
                try:
                    request = frame.decode_request(route.request, head.api_version, body)
                    answer = route.error_response(request, _VersionOnly(head.api_version), ErrorCode.ILLEGAL_SASL_STATE)
                    response = frame.encode_response(answer, head.correlation_id) if answer is not None else None
                except Exception:  # a request that does not decode closes unanswered, as any malformed frame
                    response = None
            raise AuthenticationFailure(message, response)
        if route is None or not route.serves(head.api_version):
            raise AuthenticationFailure(f"Version {head.api_version} is not supported for apiKey SASL_AUTHENTICATE")
        request = frame.decode_request(SaslAuthenticateRequest, head.api_version, body)
        try:
            challenge = self._evaluate(request.auth_bytes or b"")
        except (AuthenticationFailed, InvalidCredentials) as exc:
            message = str(exc) if isinstance(exc, AuthenticationFailed) else (
                f"Authentication failed during authentication due to invalid credentials with SASL mechanism {self.mechanism}")
            failed = SaslAuthenticateResponse(version=head.api_version, error_code=ErrorCode.SASL_AUTHENTICATION_FAILED,
                                              error_message=message, auth_bytes=b"", session_lifetime_ms=0)
            raise AuthenticationFailure(message, frame.encode_response(failed, head.correlation_id), delayed=True) from None
        answer = SaslAuthenticateResponse(version=head.api_version, error_code=0, error_message=None,
                                          auth_bytes=challenge or b"", session_lifetime_ms=0)
        return frame.encode_response(answer, head.correlation_id), self._finish()

    def _handshake(self, request, head) -> bytes:
        if request.mechanism not in self.mechanisms:
            refused = SaslHandshakeResponse(version=head.api_version, error_code=ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms=self.mechanisms)
            raise AuthenticationFailure(f"Unsupported SASL mechanism {request.mechanism}",
                                        frame.encode_response(refused, head.correlation_id), delayed=True)
        self.mechanism = request.mechanism
        self._server = self._new_server(request.mechanism)
        self._raw_tokens = head.api_version == 0
        self.state = "AUTHENTICATE"
        accepted = SaslHandshakeResponse(version=head.api_version, error_code=0, mechanisms=self.mechanisms)
        return frame.encode_response(accepted, head.correlation_id)

    def _raw_token(self, body: bytes) -> tuple[bytes, str | None]:
        try:
            challenge = self._evaluate(body)
        except (AuthenticationFailed, InvalidCredentials) as exc:
            raise AuthenticationFailure(str(exc), delayed=True) from None  # v0 has no way to send an error
        out = struct.pack(">i", len(challenge)) + challenge if challenge is not None else b""
        return out, self._finish()

    def _evaluate(self, token: bytes) -> bytes | None:
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidCredentials(f"SASL token of {len(token)} bytes exceeds {MAX_TOKEN_BYTES}")
        if self._server is None:
            raise InvalidCredentials("SASL token before the handshake")
        return self._server.evaluate(token)

    def _finish(self) -> str | None:
        if self._server is not None and self._server.complete:
            self.state = "COMPLETE"
            return self._server.authorization_id
        return None


class _VersionOnly:
    """Enough of a RequestContext for a handler's error_response, which reads only the version."""

    def __init__(self, api_version: int):
        self.api_version = api_version
