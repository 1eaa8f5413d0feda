"""Kafka client properties → kafka-python keyword arguments.

The tools take Kafka's property names (``--producer-property acks=all``,
``--consumer.config consumer.properties``, ``--command-config admin.properties``);
kafka-python spells them with underscores and wants typed values. A property
is converted by the type of kafka-python's default for it; a few Java-only
ones are translated (``sasl.jaas.config`` with a username and password, PEM
``ssl.truststore.location``/``ssl.keystore.location``,
``ssl.endpoint.identification.algorithm``). What kafka-python cannot use is
returned in ``ClientSettings.ignored`` so the command can warn, as Kafka warns
about a configuration it does not know, instead of failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kcli.config.properties import parse_properties
from kcli.tools.errors import ToolError

# Serializer and interceptor classes mean nothing to kafka-python: the console tools send and print bytes.
_SILENT = {
    "key.serializer", "value.serializer", "key.deserializer", "value.deserializer", "partitioner.class",
    "interceptor.classes", "ssl.truststore.type", "ssl.keystore.type", "ssl.truststore.password",
}
# kafka-python settings that take Python objects, not text: never set from a property.
_OBJECTS = {
    "bootstrap_servers", "kafka_client", "selector", "socket_options", "partitioner", "key_serializer",
    "value_serializer", "key_deserializer", "value_deserializer", "metric_reporters", "ssl_context",
    "sasl_oauth_token_provider", "default_offset_commit_callback", "partition_assignment_strategy",
}
_JAAS_FIELD = re.compile(r"""\b(username|password)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s;]+))""")
_PEM_SUFFIXES = (".pem", ".crt", ".cer", ".key")
_INLINE_PEM = ("ssl.truststore.certificates", "ssl.keystore.certificate.chain", "ssl.keystore.key")


@dataclass(frozen=True)
class ClientSettings:
    """kafka-python keyword arguments, and the properties left out with why (None: not a known config).

    ``on_refused``/``on_unresolved``, when set, are told of the first refused
    connection and of a server name that does not resolve (tools/bootstrap.py).
    """

    kwargs: dict = field(default_factory=dict)
    ignored: tuple[tuple[str, str | None], ...] = ()
    on_refused: Callable | None = None
    on_unresolved: Callable | None = None


def read_properties(path: str | Path) -> dict[str, str]:
    try:
        return parse_properties(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ToolError(f"Cannot read {path}: {exc.strerror}") from None


def parse_key_values(items: list[str]) -> dict[str, str]:
    """``key=value`` pairs split on the first ``=``; a bare key gets an empty value (Kafka's parseKeyValueArgs)."""
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key.strip()] = value
    return out


def separator(text: str) -> str:
    """A separator property as typed on a command line: ``\\t``, ``\\n`` and ``\\r`` mean tab, newline, return."""
    return text.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")


def to_kafka_python(props: dict[str, str], client_class) -> ClientSettings:
    """kafka-python kwargs for ``client_class`` (KafkaProducer, KafkaConsumer or KafkaAdminClient)."""
    defaults = client_class.DEFAULT_CONFIG
    kwargs: dict = {}
    ignored: list[tuple[str, str | None]] = []
    pem = {k: props.get(k, "").strip().upper() == "PEM" for k in ("ssl.truststore.type", "ssl.keystore.type")}
    for key, value in props.items():
        if key in _SILENT:
            continue
        name = key.replace(".", "_")
        if key == "sasl.jaas.config":
            kwargs.update(_jaas(value, ignored))
        elif key in ("ssl.truststore.location", "ssl.keystore.location"):
            store = key.rsplit(".", 1)[0]
            if pem[f"{store}.type"] or value.lower().endswith(_PEM_SUFFIXES):
                kwargs["ssl_cafile" if "truststore" in key else "ssl_certfile"] = value
            else:
                ignored.append((key, f"JKS and PKCS12 stores are Java's; give a PEM file and {store}.type=PEM"))
        elif key in ("ssl.key.password", "ssl.keystore.password"):
            kwargs["ssl_password"] = value
        elif key in _INLINE_PEM:
            continue  # read below, into an SSL context
        elif key == "ssl.endpoint.identification.algorithm":
            kwargs["ssl_check_hostname"] = value.strip() != ""
        elif name not in defaults or name in _OBJECTS:
            ignored.append((key, None))
        else:
            kwargs[name] = _typed(key, value, defaults[name])
    if any(props.get(k, "").strip() for k in _INLINE_PEM):
        kwargs = {k: v for k, v in kwargs.items() if not k.startswith("ssl_")} | {"ssl_context": _inline_pem_context(props, kwargs)}
    return ClientSettings(kwargs, tuple(ignored))


def _inline_pem_context(props: dict[str, str], kwargs: dict):
    """An SSL context from Kafka's PEM-in-the-property settings (``ssl.truststore.certificates``,
    ``ssl.keystore.certificate.chain`` and ``ssl.keystore.key``), with the file-based ones folded in:
    kafka-python takes a context or files, not both."""
    import os
    import ssl
    import tempfile

    context = ssl.create_default_context(cafile=kwargs.get("ssl_cafile"), cadata=props.get("ssl.truststore.certificates") or None)
    context.check_hostname = kwargs.get("ssl_check_hostname", True)
    if not context.check_hostname:
        context.verify_mode = ssl.CERT_REQUIRED
    chain, key = props.get("ssl.keystore.certificate.chain"), props.get("ssl.keystore.key")
    if chain:
        paths = []
        try:
            for text in (chain, key or chain):
                fd, path = tempfile.mkstemp(suffix=".pem")
                paths.append(path)
                with os.fdopen(fd, "w", encoding="ascii") as f:
                    f.write(text.replace("\\n", "\n"))
            context.load_cert_chain(paths[0], paths[1], password=props.get("ssl.key.password") or None)
        except (OSError, ssl.SSLError) as exc:
            raise ToolError(f"Invalid ssl.keystore.certificate.chain or ssl.keystore.key: {exc}") from None
        finally:
            for path in paths:
                os.unlink(path)
    elif kwargs.get("ssl_certfile"):
        context.load_cert_chain(kwargs["ssl_certfile"], kwargs.get("ssl_keyfile"), password=kwargs.get("ssl_password"))
    return context


def _typed(key: str, value: str, default):
    text = value.strip()
    if key == "acks":
        if text in ("all", "-1"):
            return "all"
        if text in ("0", "1"):
            return int(text)
        raise ToolError(f'Invalid value {value} for configuration acks: String must be one of: all, -1, 0, 1')
    if key == "compression.type":
        return None if text in ("none", "") else text
    if isinstance(default, bool):
        if text.lower() not in ("true", "false"):
            raise ToolError(f"Invalid value {value} for configuration {key}: Expected value to be either true or false")
        return text.lower() == "true"
    if isinstance(default, (int, float)):
        try:
            return int(text)
        except ValueError:
            kind = "LONG" if key.endswith(".ms") else "INT"
            raise ToolError(f"Invalid value {value} for configuration {key}: Not a number of type {kind}") from None
    return value


def _jaas(value: str, ignored: list) -> dict:
    """Username and password from a PlainLoginModule or ScramLoginModule line (SASL/PLAIN, SCRAM-SHA-*)."""
    fields = {m.group(1): next(g for g in m.groups()[1:] if g is not None) for m in _JAAS_FIELD.finditer(value)}
    if "PlainLoginModule" not in value and "ScramLoginModule" not in value or not {"username", "password"} <= set(fields):
        ignored.append(("sasl.jaas.config", "only PlainLoginModule and ScramLoginModule with username and password are supported"))
        return {}
    unescape = lambda text: re.sub(r"\\(.)", r"\1", text)  # noqa: E731
    return {"sasl_plain_username": unescape(fields["username"]), "sasl_plain_password": unescape(fields["password"])}
