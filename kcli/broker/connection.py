"""Connection: who is on the other end of one socket, which every request passes through.

It carries the listener the client came in on (its name and security
protocol, which decide the addresses Metadata advertises), the authenticated
principal (``User:ANONYMOUS`` until SASL or a client certificate says
otherwise, as Kafka's DefaultKafkaPrincipalBuilder), the client's address and
the client software it reported in ApiVersions v3+.

A TLS client certificate gives ``User:<its subject DN>`` in RFC 2253 order
(``User:CN=alice,OU=eng,O=acme``), as Java's X500Principal.getName() prints it.
"""

from __future__ import annotations

from kcli.broker.listeners import Listener
from kcli.broker.principal_mapping import PrincipalMapper

ANONYMOUS = "User:ANONYMOUS"

# the attribute keywords of RFC 2253 / Java's X500Principal, by Python's ssl names
_DN_KEYWORDS = {
    "commonName": "CN", "organizationalUnitName": "OU", "organizationName": "O", "localityName": "L",
    "stateOrProvinceName": "ST", "countryName": "C", "streetAddress": "STREET", "domainComponent": "DC", "userId": "UID",
}


class Connection:
    __slots__ = ("listener", "client_host", "principal", "client_software_name", "client_software_version")

    def __init__(self, listener: Listener, client_host: str, principal: str = ANONYMOUS):
        self.listener = listener
        self.client_host = client_host  # as Kafka shows it: "/127.0.0.1"
        self.principal = principal
        self.client_software_name: str | None = None
        self.client_software_version: str | None = None

    @property
    def security_protocol(self) -> str:
        return self.listener.security_protocol


def certificate_principal(peer_cert: dict | None, mapper: PrincipalMapper | None = None) -> str:
    """``User:<DN>`` for a verified client certificate (``ssl.getpeercert()``), mapped by
    ``ssl.principal.mapping.rules``; ANONYMOUS without one. NoMatchingRule when no rule applies."""
    if not peer_cert or not peer_cert.get("subject"):
        return ANONYMOUS
    parts = []
    for rdn in reversed(peer_cert["subject"]):  # RFC 2253 prints the most specific attribute first
        parts.append("+".join(f"{_DN_KEYWORDS.get(k, k)}={_escape(v)}" for k, v in rdn))
    dn = ",".join(parts)
    return "User:" + (mapper.name(dn) if mapper is not None else dn)


def _escape(value: str) -> str:
    out = "".join("\\" + c if c in ',+"\\<>;' else c for c in value)
    if out.startswith((" ", "#")):
        out = "\\" + out
    return out[:-1] + "\\ " if out.endswith(" ") else out
