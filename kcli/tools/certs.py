"""Development certificates: a local CA, a broker certificate and a client certificate, in PEM.

Files written into the chosen directory (existing ones are replaced):
  ca.pem          the CA certificate: the trust store of clients and (for mTLS) of the broker
  ca-key.pem      the CA's private key (PKCS#8, unencrypted: development only)
  broker.pem      the broker's private key followed by its certificate and the CA's (Kafka's PEM key store:
                  ssl.keystore.type=PEM, ssl.keystore.location=broker.pem)
  client.pem      a client's key and certificate (CN=client) for ssl.client.auth=required
  client.properties   the client settings Kafka's tools read (--command-config)
The broker certificate names every host given (DNS or IP subject alternative
names), so clients that check the host name (Kafka's default https
endpoint identification) accept it. Validity starts ``now`` minus a day.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from kcli.tools.errors import ToolError

VALID_DAYS = 825


@dataclass(frozen=True)
class DevCerts:
    directory: Path
    ca: Path
    ca_key: Path
    broker_keystore: Path
    client_keystore: Path
    client_properties: Path
    hosts: tuple[str, ...]

    def broker_properties(self) -> dict[str, str]:
        return {"ssl.keystore.type": "PEM", "ssl.keystore.location": self.broker_keystore.as_posix(),
                "ssl.truststore.type": "PEM", "ssl.truststore.location": self.ca.as_posix()}

    def client_settings(self) -> dict[str, str]:
        return {"security.protocol": "SSL", "ssl.truststore.type": "PEM", "ssl.truststore.location": self.ca.as_posix()}


def make(directory: Path, hosts: list[str], now: datetime.datetime | None = None) -> DevCerts:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError:  # pragma: no cover - a declared dependency
        raise ToolError("kcli certs needs the cryptography package: pip install cryptography") from None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    directory = directory.resolve()
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=VALID_DAYS)

    def name(common_name: str):
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kcli development"),
                          x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    def pem_key(key) -> bytes:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    def pem_cert(cert) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name("kcli development CA")
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(common_name: str, usage, names: list[str]):
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder().subject_name(name(common_name)).issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        )
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(x509, ipaddress, n) for n in names]), critical=False)
        return key, builder.sign(ca_key, hashes.SHA256())

    broker_key, broker_cert = leaf(hosts[0], ExtendedKeyUsageOID.SERVER_AUTH, hosts)
    client_key, client_cert = leaf("client", ExtendedKeyUsageOID.CLIENT_AUTH, [])
    certs = DevCerts(directory, directory / "ca.pem", directory / "ca-key.pem", directory / "broker.pem",
                     directory / "client.pem", directory / "client.properties", tuple(hosts))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        certs.ca.write_bytes(pem_cert(ca_cert))
        _write_private(certs.ca_key, pem_key(ca_key))
        _write_private(certs.broker_keystore, pem_key(broker_key) + pem_cert(broker_cert) + pem_cert(ca_cert))
        _write_private(certs.client_keystore, pem_key(client_key) + pem_cert(client_cert) + pem_cert(ca_cert))
        certs.client_properties.write_text("".join(f"{k}={v}\n" for k, v in certs.client_settings().items()), encoding="utf-8")
    except OSError as exc:
        raise ToolError(f"Cannot write certificates to {directory}: {exc.strerror or exc}") from None
    return certs


def _general_name(x509, ipaddress, host: str):
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _write_private(path: Path, data: bytes) -> None:
    """A key file readable by its owner only (on POSIX; Windows keeps the directory's ACL)."""
    path.write_bytes(data)
    try:
        path.chmod(0o600)
    except OSError:
        pass
