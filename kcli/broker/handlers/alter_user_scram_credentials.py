"""AlterUserScramCredentials (key 51): v0.

The client sends, per user and mechanism, the salt, the iteration count and
the salted password (Hi(password, salt, i)); the broker derives StoredKey and
ServerKey from it and keeps only those (kcli/broker/sasl/credentials.py), so no
password ever reaches it. Checks and messages are Kafka's ScramControlManager's:
a user named twice in one request is DUPLICATE_RESOURCE, an unknown mechanism
UNSUPPORTED_SASL_MECHANISM, iterations outside 4096–16384 or an empty salt
UNACCEPTABLE_CREDENTIAL, deleting a credential that does not exist RESOURCE_NOT_FOUND.
"""

from collections import Counter

from kafka.protocol.admin import AlterUserScramCredentialsRequest as Request
from kafka.protocol.admin import AlterUserScramCredentialsResponse as Response

from kcli.broker.sasl import scram
from kcli.protocol.kafka.errors import ErrorCode

ADVERTISED = (0, 0)
_BY_TYPE = {kind: name for name, (_, kind) in scram.MECHANISMS.items()}


def handle(request, ctx):
    store = ctx.state.scram
    names = Counter([d.name for d in request.deletions] + [u.name for u in request.upsertions])
    results: dict[str, tuple[int, str | None]] = {}
    for name, count in names.items():
        if count > 1:
            results[name] = (ErrorCode.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request")
        elif not name:
            results[name] = (ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty")
    for deletion in request.deletions:
        if deletion.name in results:
            continue
        mechanism = _BY_TYPE.get(deletion.mechanism)
        if mechanism is None:
            results[deletion.name] = (ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism")
        elif not store.delete(deletion.name, mechanism):
            results[deletion.name] = (ErrorCode.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist")
        else:
            results[deletion.name] = (ErrorCode.NONE, None)
    for upsertion in request.upsertions:
        if upsertion.name in results:
            continue
        mechanism = _BY_TYPE.get(upsertion.mechanism)
        if mechanism is None:
            results[upsertion.name] = (ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism")
        elif upsertion.iterations < scram.MIN_ITERATIONS:
            results[upsertion.name] = (ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too few iterations")
        elif upsertion.iterations > scram.MAX_ITERATIONS:
            results[upsertion.name] = (ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too many iterations")
        elif not upsertion.salt or not upsertion.salted_password:
            results[upsertion.name] = (ErrorCode.UNACCEPTABLE_CREDENTIAL, "Salt and salted password must not be empty")
        else:
            store.upsert(upsertion.name, mechanism, scram.credential_from_salted_password(
                mechanism, bytes(upsertion.salt), bytes(upsertion.salted_password), upsertion.iterations))
            results[upsertion.name] = (ErrorCode.NONE, None)
    if any(code == ErrorCode.NONE for code, _ in results.values()):
        store.save()
    return Response(version=ctx.api_version, throttle_time_ms=0, results=[
        Response.AlterUserScramCredentialsResult(user=name, error_code=code, error_message=message)
        for name, (code, message) in results.items()
    ])


def error_response(request, ctx, code):
    users = dict.fromkeys([d.name for d in request.deletions or ()] + [u.name for u in request.upsertions or ()])
    message = "Cluster authorization failed." if code == ErrorCode.CLUSTER_AUTHORIZATION_FAILED else None  # Kafka's Errors text
    return Response(version=ctx.api_version, throttle_time_ms=0, results=[
        Response.AlterUserScramCredentialsResult(user=name or "", error_code=code, error_message=message) for name in users
    ])
