"""Per-listener security settings: the TLS context and the SASL mechanisms, from Kafka's broker configs.

A setting is read as Kafka reads it: ``listener.name.<listener>.<key>`` first
(the listener name lower case), then ``<key>``; a mechanism's JAAS config from
``listener.name.<listener>.<mechanism>.sasl.jaas.config``. TLS keys:
``ssl.keystore.type`` (PEM), ``ssl.keystore.location`` (a PEM file holding the
key and its certificate chain) or ``ssl.keystore.certificate.chain`` plus
``ssl.keystore.key`` (PEM text), ``ssl.key.password``,
``ssl.truststore.location``/``ssl.truststore.certificates`` and
``ssl.client.auth`` (none, requested, required).
"""

from __future__ import annotations

import os
import re
import ssl
import tempfile
from dataclasses import dataclass, field
from typing import Callable

from kcli.broker.listeners import Listener
from kcli.broker.principal_mapping import PrincipalMapper
from kcli.broker.sasl import jaas
from kcli.broker.sasl.authenticator import SaslAuthenticator
from kcli.broker.sasl.credentials import ScramCredentialStore
from kcli.broker.sasl.plain import PlainServer
from kcli.broker.sasl.scram import MECHANISMS as SCRAM_MECHANISMS
from kcli.broker.sasl.scram import ScramServer

SUPPORTED_MECHANISMS = ("PLAIN", *SCRAM_MECHANISMS)
SECRET_SUFFIXES = ("sasl.jaas.config", "ssl.key.password", "ssl.keystore.password", "ssl.truststore.password", "ssl.keystore.key")


class SecurityConfigError(ValueError):
    """A listener's security settings cannot be used; one line naming the key."""


def is_secret(key: str) -> bool:
    """Kafka's PASSWORD-typed configs: never logged, printed or described in clear."""
    return key.endswith(SECRET_SUFFIXES)


def setting(props: dict[str, str], listener: Listener, key: str, default: str | None = None) -> str | None:
    value = props.get(f"listener.name.{listener.name.lower()}.{key}")
    return value if value is not None else props.get(key, default)


@dataclass
class ListenerSecurity:
    listener: Listener
    ssl_context: ssl.SSLContext | None = None
    mechanisms: list[str] = field(default_factory=list)
    plain_users: dict[str, str] = field(default_factory=dict)
    scram: ScramCredentialStore | None = None
    principal_mapper: PrincipalMapper | None = None  # ssl.principal.mapping.rules

    def authenticator(self) -> SaslAuthenticator:
        return SaslAuthenticator(self.mechanisms, self._server_for)

    def _server_for(self, mechanism: str):
        if mechanism == "PLAIN":
            return PlainServer(self.plain_users)
        if self.scram is None:
            raise ValueError("no SCRAM credential store")
        return ScramServer(mechanism, self.scram.get)


def for_listener(props: dict[str, str], listener: Listener, scram: ScramCredentialStore | None, tls: bool = True) -> ListenerSecurity:
    out = ListenerSecurity(listener, scram=scram)
    if listener.uses_tls:
        try:
            out.principal_mapper = PrincipalMapper.parse(setting(props, listener, "ssl.principal.mapping.rules"))
        except (ValueError, re.error) as exc:
            raise SecurityConfigError(f"Invalid value for configuration ssl.principal.mapping.rules: {exc}") from None
    if listener.uses_tls and tls:
        out.ssl_context = server_ssl_context(props, listener)
    if listener.uses_sasl:
        enabled = setting(props, listener, "sasl.enabled.mechanisms", "GSSAPI") or "GSSAPI"
        mechanisms = [m.strip().upper() for m in enabled.split(",") if m.strip()]
        unsupported = [m for m in mechanisms if m not in SUPPORTED_MECHANISMS]
        if unsupported:
            raise SecurityConfigError(
                f"Listener {listener.name}: SASL mechanism {unsupported[0]} is not supported by kcli; "
                f"set sasl.enabled.mechanisms to some of {', '.join(SUPPORTED_MECHANISMS)}"
            )
        out.mechanisms = mechanisms
        if "PLAIN" in mechanisms:
            key = f"listener.name.{listener.name.lower()}.plain.sasl.jaas.config"
            text = props.get(key) or props.get(f"listener.name.{listener.name.lower()}.sasl.jaas.config") or props.get("sasl.jaas.config")
            if not text:
                raise SecurityConfigError(
                    f"Listener {listener.name} enables PLAIN but {key} is not set: "
                    'set it to org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";'
                )
            out.plain_users = jaas.plain_users(text)
    return out


def check(props: dict[str, str], listeners) -> None:
    """What can be checked without reading files: a key store for each TLS listener, known SASL mechanisms."""
    for listener in listeners:
        if listener.uses_tls and not (setting(props, listener, "ssl.keystore.location") or setting(props, listener, "ssl.keystore.certificate.chain")):
            raise SecurityConfigError(_no_key_store(listener))
        if listener.uses_sasl or listener.uses_tls:
            for_listener(props, listener, None, tls=False)


def _no_key_store(listener: Listener) -> str:
    return (
        f"Listener {listener.name} uses {listener.security_protocol} but has no key store: set ssl.keystore.type=PEM and "
        "ssl.keystore.location (a PEM file with the key and certificate chain); `kcli certs` makes one for development"
    )


def server_ssl_context(props: dict[str, str], listener: Listener) -> ssl.SSLContext:
    get: Callable[[str], str | None] = lambda key: setting(props, listener, key)  # noqa: E731
    store_type = (get("ssl.keystore.type") or "JKS").upper()
    location, chain, key = get("ssl.keystore.location"), get("ssl.keystore.certificate.chain"), get("ssl.keystore.key")
    if not location and not chain:
        raise SecurityConfigError(_no_key_store(listener))
    if store_type != "PEM" and location and not location.lower().endswith((".pem", ".crt", ".key")):
        raise SecurityConfigError(f"Listener {listener.name}: ssl.keystore.type {store_type} is Java's; kcli reads PEM key stores (ssl.keystore.type=PEM)")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    password = get("ssl.key.password") or None
    try:
        if location:
            context.load_cert_chain(location, password=password)
        elif chain:
            with _pem_files(chain, key) as (chain_file, key_file):
                context.load_cert_chain(chain_file, key_file, password=password)
        trust_location, trust_pem = get("ssl.truststore.location"), get("ssl.truststore.certificates")
        if trust_location:
            context.load_verify_locations(cafile=trust_location)
        elif trust_pem:
            context.load_verify_locations(cadata=trust_pem)
    except (OSError, ssl.SSLError) as exc:
        raise SecurityConfigError(f"Listener {listener.name}: cannot load its key store or trust store: {exc}") from None
    client_auth = (get("ssl.client.auth") or "none").lower()
    if client_auth not in ("none", "requested", "required"):
        raise SecurityConfigError(f"Invalid value {client_auth} for configuration ssl.client.auth: String must be one of: required, requested, none")
    context.verify_mode = {"none": ssl.CERT_NONE, "requested": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}[client_auth]
    return context


class _pem_files:
    """``ssl.keystore.certificate.chain``/``ssl.keystore.key`` PEM text as files Python's ssl can load, removed after."""

    def __init__(self, chain: str, key: str | None):
        self._texts = (chain, key or chain)
        self._paths: list[str] = []

    def __enter__(self):
        for text in self._texts:
            fd, path = tempfile.mkstemp(suffix=".pem")
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(text)
            self._paths.append(path)
        return tuple(self._paths)

    def __exit__(self, *exc):
        for path in self._paths:
            os.unlink(path)
