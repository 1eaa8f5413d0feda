"""Listeners: ``listeners``, ``listener.security.protocol.map`` and ``advertised.listeners``, as Kafka reads them.

``listeners`` is a comma-separated list of ``NAME://host:port``; each NAME maps
to a security protocol through ``listener.security.protocol.map`` (Kafka's
default maps PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL to themselves).
``advertised.listeners`` names, per listener, the address Metadata and
FindCoordinator give a client that came in on that listener; a listener it
leaves out advertises its own address. Listeners named in
``controller.listener.names`` belong to the KRaft controller, which kcli does
not run as a separate quorum: they are accepted and not bound.
"""

from __future__ import annotations

from dataclasses import dataclass

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
# Kafka's default listener.security.protocol.map (SocketServerConfigs), CONTROLLER included
DEFAULT_PROTOCOL_MAP = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"
# names kcli accepted as PLAINTEXT before the map was read; kept when no map is given
_PLAINTEXT_ALIASES = ("BROKER", "CLIENT", "EXTERNAL", "INTERNAL")


class ListenerError(ValueError):
    """A listener setting Kafka would refuse, worded as one line."""


@dataclass(frozen=True)
class Listener:
    name: str  # upper case, as Kafka's ListenerName.normalised
    security_protocol: str
    host: str  # "" means every interface
    port: int

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")


def protocol_map(props: dict[str, str]) -> dict[str, str]:
    text = props.get("listener.security.protocol.map") or DEFAULT_PROTOCOL_MAP
    out = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        name, sep, protocol = entry.partition(":")
        if not sep or protocol.strip().upper() not in SECURITY_PROTOCOLS:
            raise ListenerError(
                f"Invalid value {text} for configuration listener.security.protocol.map: "
                f"'{entry}' is not NAME:PROTOCOL with PROTOCOL one of {', '.join(SECURITY_PROTOCOLS)}"
            )
        out[name.strip().upper()] = protocol.strip().upper()
    if "listener.security.protocol.map" not in props:
        out.update({alias: "PLAINTEXT" for alias in _PLAINTEXT_ALIASES})
    return out


def parse(props: dict[str, str], key: str = "listeners") -> list[Listener]:
    """Every entry of ``props[key]``, in order; ListenerError names the first bad one."""
    value = props[key]
    protocols = protocol_map(props)
    listeners: list[Listener] = []
    for entry in filter(None, (e.strip() for e in value.split(","))):
        name, sep, rest = entry.partition("://")
        if not sep or ":" not in rest:
            raise ListenerError(f"Invalid {key} '{value}': expected PLAINTEXT://host:port, e.g. PLAINTEXT://localhost:9092")
        name = name.strip().upper()
        if name not in protocols:
            raise ListenerError(
                f"Invalid {key} '{value}': No security protocol defined for listener {name} "
                f"(add it to listener.security.protocol.map, e.g. {name}:SASL_PLAINTEXT)"
            )
        host, _, port = rest.rpartition(":")
        try:
            port_number = int(port)
        except ValueError:
            raise ListenerError(f"Invalid port '{port}' in {key}={value}: use a number from 0 to 65535") from None
        if not 0 <= port_number <= 65535:
            raise ListenerError(f"Invalid port '{port}' in {key}={value}: use a number from 0 to 65535")
        if any(existing.name == name for existing in listeners):
            raise ListenerError(f"Invalid {key} '{value}': Each listener must have a different name, {name} is repeated")
        listeners.append(Listener(name, protocols[name], host.strip("[]"), port_number))
    if not listeners:
        raise ListenerError(f"Invalid {key} '{value}': expected PLAINTEXT://host:port, e.g. PLAINTEXT://localhost:9092")
    return listeners


def controller_names(props: dict[str, str]) -> set[str]:
    return {n.strip().upper() for n in props.get("controller.listener.names", "").split(",") if n.strip()}


def advertised(props: dict[str, str], listeners: list[Listener]) -> dict[str, tuple[str, int | None]]:
    """listener name → (host, port) to advertise; port None means the port the listener bound."""
    out: dict[str, tuple[str, int | None]] = {l.name: (_public(l.host), None) for l in listeners}  # noqa: E741
    if props.get("advertised.listeners", "").strip():
        for entry in parse(props, "advertised.listeners"):
            out[entry.name] = (_public(entry.host), entry.port or None)
    return out


def _public(host: str) -> str:
    return "localhost" if not host or host in ("0.0.0.0", "::") else host
