"""Authentication failures kafka-python retries in silence, caught so a tool can name them in one line.

kafka-python treats a failed SASL login or TLS handshake during bootstrap like
an unreachable broker: it logs the cause and retries until its timeout. Kafka's
clients stop at once with SaslAuthenticationException or
SslAuthenticationException. ``watch()`` listens to kafka-python's connection
log for the first such failure and then ends the bootstrap: the next record its
bootstrap loop logs raises KafkaConnectionError there, which the client's
constructor raises at once, so the tool reports the cause (``Authentication
failed: Invalid username or password``) without waiting out its timeout.
"""

from __future__ import annotations

import contextlib
import logging
import re

_SASL = re.compile(r"SaslAuthenticationFailedError: (?:SaslAuthenticationFailedError: )?([^)\n]+)")
_TLS = re.compile(r"(CERTIFICATE_VERIFY_FAILED|certificate verify failed|WRONG_VERSION_NUMBER|tlsv1 alert[^)\]\n]*|SSL(?:Error)?[:\]][^)\n]*)")
_LOGGERS = ("kafka.net.connection", "kafka.net.transport", "kafka.net.manager", "kafka.conn")
_BOOTSTRAP_LOOP = "_do_bootstrap"  # kafka-python's KafkaConnectionManager coroutine that retries the bootstrap servers


class AuthenticationWatch(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.failure: tuple[str, str] | None = None  # (Kafka's exception name, message)

    def emit(self, record: logging.LogRecord) -> None:
        if self.failure is not None:
            if record.funcName == _BOOTSTRAP_LOOP:
                from kafka.errors import KafkaConnectionError

                raise KafkaConnectionError(self.failure[1])  # out of the bootstrap loop: no retry after a refused login
            return
        text = record.getMessage()
        sasl = _SASL.search(text)
        if sasl:
            self.failure = ("SaslAuthenticationException", sasl.group(1).strip())
            return
        tls = _TLS.search(text)
        if tls:
            self.failure = ("SslAuthenticationException", f"SSL handshake failed: {tls.group(1).strip()}")

    def message(self, java_name: bool = False) -> str | None:
        if self.failure is None:
            return None
        name, text = self.failure
        return f"org.apache.kafka.common.errors.{name}: {text}" if java_name else text


@contextlib.contextmanager
def watch():
    """Listen for authentication failures while the block runs kafka-python clients."""
    handler = AuthenticationWatch()
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    saved = [(lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
        lg.propagate = False  # the tools keep kafka-python's own log quiet
        lg.addHandler(handler)
    try:
        yield handler
    finally:
        for lg, (level, propagate) in zip(loggers, saved):
            lg.removeHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate
