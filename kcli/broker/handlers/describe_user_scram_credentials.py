"""DescribeUserScramCredentials (key 50): v0.

Null or empty ``users`` describes every user with a credential; a named user
without one is RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE (Kafka's
ScramControlManager). Only mechanisms and iteration counts are described.
"""

from collections import Counter

from kafka.protocol.admin import DescribeUserScramCredentialsRequest as Request
from kafka.protocol.admin import DescribeUserScramCredentialsResponse as Response

from kcli.broker.sasl import scram
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 0)
_Result = Response.DescribeUserScramCredentialsResult


def handle(request, ctx):
    users = ctx.state.scram.users()
    asked = [u.name for u in request.users] if request.users else sorted(users)
    counts = Counter(asked)
    results = []
    for name in dict.fromkeys(asked):
        if counts[name] > 1:
            results.append(_Result(user=name, error_code=ErrorCode.DUPLICATE_RESOURCE,
                                   error_message=f"Cannot describe SCRAM credentials for the same user twice in a single request: {name}", credential_infos=[]))
        elif name not in users:
            results.append(_Result(user=name, error_code=ErrorCode.RESOURCE_NOT_FOUND,
                                   error_message=f"Attempt to describe a user credential that does not exist: {name}", credential_infos=[]))
        else:
            infos = [_Result.CredentialInfo(mechanism=scram.MECHANISMS[m][1], iterations=c.iterations) for m, c in sorted(users[name].items())]
            results.append(_Result(user=name, error_code=0, error_message=None, credential_infos=infos))
    return Response(version=ctx.api_version, throttle_time_ms=0, error_code=0, error_message=None, results=results)
