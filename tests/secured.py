"""Brokers with TLS and SASL listeners for the tests, and the settings their clients log in with.

``secured_config`` is a broker configuration with the listeners named (each on port 0, listener name =
security protocol), the certificates of ``make_certs`` when given, PLAIN users from a JAAS line on each
SASL listener, the SCRAM mechanisms enabled and a failed login answered without delay. ``add_scram_users``
creates SCRAM users over the wire (through ``running.bootstrap``). ``address`` is a listener as clients
reach it: ``localhost``, a name the certificates carry. ``kafka_python``, ``confluent`` and
``properties_file`` are one login in kafka-python's keyword arguments, confluent-kafka's settings and a
Kafka client properties file (``--command-config``).
"""

from __future__ import annotations

from pathlib import Path

from kcli.broker.config import BrokerConfig
from kcli.tools import certs as dev_certs

MECHANISMS = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
_LOGIN_MODULES = {"PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule"}
_SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"


def make_certs(directory: Path) -> dev_certs.DevCerts:
    """A CA, a broker and a client certificate for localhost and 127.0.0.1, as ``kcli certs`` makes them."""
    return dev_certs.make(directory, ["localhost", "127.0.0.1"])


def plain_jaas(users: dict[str, str], login: tuple[str, str] | None = None) -> str:
    """A PLAIN listener's ``sasl.jaas.config``: ``user_NAME="PASSWORD"`` per user, and the broker's own login if given."""
    own = f'username="{login[0]}" password="{login[1]}" ' if login else ""
    return f"{_LOGIN_MODULES['PLAIN']} required {own}" + " ".join(f'user_{name}="{password}"' for name, password in users.items()) + ";"


def secured_config(log_dir: Path, listeners: str, certs: dev_certs.DevCerts | None = None, jaas: str | None = None,
                   mechanisms: str = MECHANISMS, props: dict[str, str] | None = None) -> BrokerConfig:
    """A broker with ``listeners`` (``"PLAINTEXT,SASL_SSL"``) on port 0; ``props`` added last."""
    names = [name.strip() for name in listeners.split(",")]
    merged = {
        "listeners": ",".join(f"{name}://127.0.0.1:0" for name in names),
        "log.dirs": str(log_dir),
        "sasl.enabled.mechanisms": mechanisms,
        "connection.failed.authentication.delay.ms": "0",
    }
    if jaas is not None:
        merged.update({f"listener.name.{name.lower()}.plain.sasl.jaas.config": jaas for name in names if name.startswith("SASL_")})
    if certs is not None:
        merged.update(certs.broker_properties())
    merged.update(props or {})
    return BrokerConfig.from_properties(merged)


def add_scram_users(running, users: dict[str, tuple[str, str]], iterations: int = 4096) -> None:
    """Create ``{name: (mechanism, password)}`` SCRAM users with kafka-python's AlterUserScramCredentials."""
    from kafka import KafkaAdminClient
    from kafka.admin import UserScramCredentialUpsertion

    admin = KafkaAdminClient(bootstrap_servers=running.bootstrap)
    try:
        errors = admin.alter_user_scram_credentials([
            UserScramCredentialUpsertion(name, mechanism, password, iterations=iterations) for name, (mechanism, password) in users.items()
        ])
        assert errors == {name: None for name in users}
    finally:
        admin.close()


def address(running, listener: str) -> str:
    return "localhost:%d" % running.broker.addresses[listener][1]


def kafka_python(running, listener: str, certs: dev_certs.DevCerts | None = None, mechanism: str | None = None,
                 user: str | None = None, password: str | None = None) -> dict:
    """kafka-python's keyword arguments for a client of ``listener``."""
    settings: dict = {"bootstrap_servers": address(running, listener), "security_protocol": listener}
    if certs is not None:
        settings["ssl_cafile"] = str(certs.ca)
    if listener.startswith("SASL_"):
        settings.update(sasl_mechanism=mechanism, sasl_plain_username=user, sasl_plain_password=password)
    return settings


def confluent(running, listener: str, certs: dev_certs.DevCerts | None = None, mechanism: str | None = None,
              user: str | None = None, password: str | None = None) -> dict:
    """confluent-kafka's (librdkafka's) settings for a client of ``listener``."""
    settings = {"bootstrap.servers": address(running, listener), "security.protocol": listener}
    if certs is not None:
        settings["ssl.ca.location"] = str(certs.ca)
    if listener.startswith("SASL_"):
        settings.update({"sasl.mechanism": mechanism, "sasl.username": user, "sasl.password": password})
    return settings


def properties_file(path: Path, protocol: str, mechanism: str, user: str, password: str,
                    certs: dev_certs.DevCerts | None = None) -> Path:
    """A client properties file as Kafka's documentation writes one: the JAAS line continued over lines."""
    module = _LOGIN_MODULES.get(mechanism, _SCRAM_LOGIN)
    text = (f"security.protocol={protocol}\nsasl.mechanism={mechanism}\n"
            f"sasl.jaas.config={module} required \\\n    username=\"{user}\" \\\n    password=\"{password}\";\n")
    if certs is not None:
        text += f"ssl.truststore.type=PEM\nssl.truststore.location={certs.ca.as_posix()}\n"
    path.write_text(text, encoding="utf-8")
    return path


def aiokafka(running, listener: str, certs: dev_certs.DevCerts | None = None, mechanism: str | None = None,
             user: str | None = None, password: str | None = None) -> dict:
    """aiokafka's keyword arguments: kafka-python's, with an SSL context for the CA instead of its file."""
    settings = kafka_python(running, listener, None, mechanism, user, password)
    if certs is not None:
        from aiokafka.helpers import create_ssl_context

        settings["ssl_context"] = create_ssl_context(cafile=str(certs.ca))
    return settings


def kcat_arguments(settings: dict) -> list[str]:
    """confluent-kafka's settings as kcat's ``-b`` and ``-X key=value`` arguments."""
    rest = [arg for key, value in settings.items() if key != "bootstrap.servers" for arg in ("-X", f"{key}={value}")]
    return ["-b", settings["bootstrap.servers"], *rest]
