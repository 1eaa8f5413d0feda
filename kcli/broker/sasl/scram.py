"""SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) on the server, as Kafka's ScramSaslServer.

Messages:
  client-first  ``n,[a=authzid],n=<user>,r=<client nonce>[,extensions]``
  server-first  ``r=<client nonce><server nonce>,s=<base64 salt>,i=<iterations>``
  client-final  ``c=<base64 gs2 header>,r=<nonce>,p=<base64 ClientProof>``
  server-final  ``v=<base64 ServerSignature>``
The broker keeps only ``ScramCredential`` (salt, StoredKey, ServerKey,
iterations): ClientKey = HMAC(SaltedPassword, "Client Key"), StoredKey =
H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key"). The proof is
checked by recovering ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage)
and comparing H(ClientKey) with StoredKey.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Callable

from kcli.broker.sasl.mechanism import AuthenticationFailed, InvalidCredentials

MECHANISMS = {"SCRAM-SHA-256": ("sha256", 1), "SCRAM-SHA-512": ("sha512", 2)}  # name -> (hash, Kafka's ScramMechanism type)
MIN_ITERATIONS = 4096  # Kafka's ScramMechanism.minIterations
MAX_ITERATIONS = 16384  # Kafka's AlterUserScramCredentials limit

_CLIENT_FIRST = re.compile(r"^(?P<gs2>[ny],(?:a=(?P<authzid>[^,]*))?,)n=(?P<user>[^,]*),r=(?P<nonce>[\x21-\x2b\x2d-\x7e]+)(?:,.*)?$")
_CLIENT_FINAL = re.compile(r"^(?P<bare>c=(?P<binding>[A-Za-z0-9+/=]*),r=(?P<nonce>[\x21-\x2b\x2d-\x7e]+)(?:,[a-z]=[^,]*)*),p=(?P<proof>[A-Za-z0-9+/=]+)$")


@dataclass(frozen=True)
class ScramCredential:
    salt: bytes
    stored_key: bytes
    server_key: bytes
    iterations: int


def credential_from_salted_password(mechanism: str, salt: bytes, salted_password: bytes, iterations: int) -> ScramCredential:
    digest = MECHANISMS[mechanism][0]
    client_key = hmac.digest(salted_password, b"Client Key", digest)
    return ScramCredential(salt, hashlib.new(digest, client_key).digest(), hmac.digest(salted_password, b"Server Key", digest), iterations)


def salted_password(mechanism: str, password: str, salt: bytes, iterations: int) -> bytes:
    """Hi(password, salt, i) of RFC 5802: PBKDF2 with HMAC of the mechanism's hash."""
    return hashlib.pbkdf2_hmac(MECHANISMS[mechanism][0], password.encode("utf-8"), salt, iterations)


def _username(saslname: str) -> str:
    if re.search(r"=(?!2C|3D)", saslname):
        raise InvalidCredentials(f"Invalid username: {saslname}")
    return saslname.replace("=2C", ",").replace("=3D", "=")


class ScramServer:
    def __init__(self, mechanism: str, lookup: Callable[[str, str], ScramCredential | None],
                 server_nonce: Callable[[], str] = lambda: secrets.token_urlsafe(24)):
        self.mechanism = mechanism
        self._server_nonce = server_nonce
        self._digest = MECHANISMS[mechanism][0]
        self._lookup = lookup
        self.complete = False
        self.authorization_id: str | None = None
        self._state = "first"
        self._client_first_bare = ""
        self._server_first = ""
        self._nonce = ""
        self._user = ""
        self._credential: ScramCredential | None = None

    def evaluate(self, token: bytes) -> bytes | None:
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidCredentials("SCRAM message is not UTF-8") from None
        if self._state == "first":
            return self._client_first(text)
        if self._state == "final":
            return self._client_final(text)
        raise InvalidCredentials(f"Unexpected SCRAM message in state {self._state}")

    def _client_first(self, text: str) -> bytes:
        match = _CLIENT_FIRST.match(text)
        if match is None:
            raise InvalidCredentials("Invalid SCRAM client first message")
        user = _username(match["user"])
        if match["authzid"] and _username(match["authzid"]) != user:
            raise AuthenticationFailed("Authentication failed: Client requested an authorization id that is different from username")
        credential = self._lookup(user, self.mechanism)
        if credential is None:
            raise InvalidCredentials("Authentication failed: Invalid user credentials")
        self._user, self._credential = user, credential
        self._client_first_bare = text[len(match["gs2"]):]
        self._gs2 = match["gs2"]
        self._nonce = match["nonce"] + self._server_nonce()
        self._server_first = f"r={self._nonce},s={base64.b64encode(credential.salt).decode()},i={credential.iterations}"
        self._state = "final"
        return self._server_first.encode()

    def _client_final(self, text: str) -> bytes:
        self._state = "failed"
        match = _CLIENT_FINAL.match(text)
        if match is None:
            raise InvalidCredentials("Invalid SCRAM client final message")
        # endswith, as Kafka 3.x's ScramSaslServer: librdkafka before 2.2 sends its own nonce before the combined one
        if not match["nonce"].endswith(self._nonce):
            raise InvalidCredentials("Invalid client nonce in the final client message.")
        if base64.b64decode(match["binding"]) != self._gs2.encode():
            raise InvalidCredentials("Invalid channel binding in the final client message.")
        credential = self._credential
        if credential is None:
            raise InvalidCredentials("SCRAM client final message before the first")
        auth_message = f"{self._client_first_bare},{self._server_first},{match['bare']}".encode()
        proof = base64.b64decode(match["proof"])
        signature = hmac.digest(credential.stored_key, auth_message, self._digest)
        if len(proof) != len(signature):
            raise InvalidCredentials("Invalid client credentials")
        client_key = bytes(a ^ b for a, b in zip(proof, signature))
        if not hmac.compare_digest(hashlib.new(self._digest, client_key).digest(), credential.stored_key):
            raise InvalidCredentials("Invalid client credentials")
        self._state = "complete"
        self.complete = True
        self.authorization_id = self._user
        server_signature = hmac.digest(credential.server_key, auth_message, self._digest)
        return b"v=" + base64.b64encode(server_signature)
