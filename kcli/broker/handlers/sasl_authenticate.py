"""SaslAuthenticate (key 36): v0–v2, once a connection is past authentication or on a listener without SASL.

v1 adds session_lifetime_ms (KIP-368); v2 is flexible. The exchange itself is
served before dispatch by kcli/broker/sasl/authenticator.py; a SaslAuthenticate
that reaches dispatch is answered ILLEGAL_SASL_STATE, as Kafka's KafkaApis.
"""

from kafka.protocol.sasl import SaslAuthenticateRequest as Request
from kafka.protocol.sasl import SaslAuthenticateResponse as Response

from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 2)


def handle(request, ctx):
    return error_response(request, ctx, ErrorCode.ILLEGAL_SASL_STATE,
                          "SaslAuthenticate request received after successful authentication")


def error_response(request, ctx, code, message=None):
    return Response(version=ctx.api_version, error_code=code, error_message=message, auth_bytes=b"", session_lifetime_ms=0)
