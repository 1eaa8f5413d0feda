"""SaslHandshake (key 17): v0–v1, once a connection is past authentication or on a listener without SASL.

On a SASL listener the handshake itself is served before dispatch by
kcli/broker/sasl/authenticator.py (v0: raw tokens follow; v1: SaslAuthenticate
requests follow). A handshake that reaches dispatch is out of place, and
Kafka's KafkaApis answers it ILLEGAL_SASL_STATE.
"""

from kafka.protocol.sasl import SaslHandshakeRequest as Request
from kafka.protocol.sasl import SaslHandshakeResponse as Response

from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 1)


def handle(request, ctx):
    return Response(version=ctx.api_version, error_code=ErrorCode.ILLEGAL_SASL_STATE, mechanisms=[])


def error_response(request, ctx, code):
    return Response(version=ctx.api_version, error_code=code, mechanisms=[])
