"""The SASL mechanisms and the authorizer as plain functions: RFC 7677's SCRAM-SHA-256 exchange byte for byte,
PLAIN's failures in Kafka's words, and StandardAuthorizer's rules."""

import base64

import pytest

from kcli.broker.acl.authorizer import Authorizer
from kcli.broker.acl.bindings import (ALL, ALLOW, CLUSTER, DENY, DESCRIBE, GROUP, LITERAL, PREFIXED, READ, TOPIC, WRITE, AclBinding,
                                      AclStore)
from kcli.broker.sasl import jaas
from kcli.broker.sasl.mechanism import AuthenticationFailed, InvalidCredentials
from kcli.broker.sasl.plain import PlainServer
from kcli.broker.sasl.scram import ScramServer, credential_from_salted_password, salted_password


def test_scram_sha_256_matches_rfc_7677():
    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    credential = credential_from_salted_password("SCRAM-SHA-256", salt, salted_password("SCRAM-SHA-256", "pencil", salt, 4096), 4096)
    server = ScramServer("SCRAM-SHA-256", lambda user, mech: credential if user == "user" else None,
                         server_nonce=lambda: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
    first = server.evaluate(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
    assert first == b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    final = server.evaluate(b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    assert final == b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    assert server.complete and server.authorization_id == "user"


def test_a_wrong_scram_proof_or_unknown_user_is_invalid_credentials():
    salt = b"salt"
    credential = credential_from_salted_password("SCRAM-SHA-512", salt, salted_password("SCRAM-SHA-512", "right", salt, 4096), 4096)
    server = ScramServer("SCRAM-SHA-512", lambda user, mech: credential)
    nonce = server.evaluate(b"n,,n=bob,r=abc").split(b",")[0][2:].decode()
    with pytest.raises(InvalidCredentials):
        server.evaluate(f"c=biws,r={nonce},p={base64.b64encode(bytes(64)).decode()}".encode())
    with pytest.raises(InvalidCredentials):
        ScramServer("SCRAM-SHA-512", lambda user, mech: None).evaluate(b"n,,n=nobody,r=abc")


def test_plain_failures_use_kafkas_messages():
    users = jaas.plain_users('org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b" user_alice="s\\"cret";')
    assert users == {"alice": 's"cret'}
    assert PlainServer(users).evaluate(b'\0alice\0s"cret') == b""
    for token, message in [(b"\0alice\0nope", "Authentication failed: Invalid username or password"),
                           (b"\0\0x", "Authentication failed: username not specified"),
                           (b"\0alice\0", "Authentication failed: password not specified"),
                           (b'bob\0alice\0s"cret', "Authentication failed: Client requested an authorization id that is different from username")]:
        with pytest.raises(AuthenticationFailed, match=message):
            PlainServer(users).evaluate(token)


def _authorizer(tmp_path, bindings, allow_if_none=False, supers=()):
    store = AclStore(tmp_path)
    store.add([AclBinding(*b) for b in bindings])
    return Authorizer(store, set(supers), allow_if_none)


def test_deny_wins_prefixed_and_wildcard_match_and_read_implies_describe(tmp_path):
    a = _authorizer(tmp_path, [
        (TOPIC, "coffee", PREFIXED, "User:alice", "*", READ, ALLOW),
        (TOPIC, "coffee-secret", LITERAL, "User:alice", "*", ALL, DENY),
        (GROUP, "*", LITERAL, "User:*", "10.0.0.1", READ, ALLOW),
    ], supers=["User:admin"])
    assert a.authorize("User:alice", "127.0.0.1", READ, TOPIC, "coffee-beans")
    assert a.authorize("User:alice", "127.0.0.1", DESCRIBE, TOPIC, "coffee")  # READ implies DESCRIBE
    assert not a.authorize("User:alice", "127.0.0.1", WRITE, TOPIC, "coffee")
    assert not a.authorize("User:alice", "127.0.0.1", READ, TOPIC, "coffee-secret")  # DENY before ALLOW
    assert a.authorize("User:bob", "10.0.0.1", READ, GROUP, "baristas") and not a.authorize("User:bob", "10.0.0.2", READ, GROUP, "baristas")
    assert not a.authorize("User:alice", "127.0.0.1", READ, TOPIC, "tea")  # no ACL: allow.everyone.if.no.acl.found=false
    assert a.authorize("User:admin", "127.0.0.1", ALL, CLUSTER, "kafka-cluster")
    (tmp_path / "x").mkdir()
    assert _authorizer(tmp_path / "x", [], allow_if_none=True).authorize("User:anyone", "h", WRITE, TOPIC, "tea")


def test_acls_are_durable(tmp_path):
    _authorizer(tmp_path, [(TOPIC, "coffee", LITERAL, "User:alice", "*", READ, ALLOW)])
    store = AclStore(tmp_path)
    store.load()
    assert store.bindings == [AclBinding(TOPIC, "coffee", LITERAL, "User:alice", "*", READ, ALLOW)]


def test_ssl_principal_mapping_rules_as_kafka_applies_them():
    from kcli.broker.connection import certificate_principal
    from kcli.broker.principal_mapping import NoMatchingRule, PrincipalMapper

    cert = {"subject": ((("countryName", "US"),), (("organizationalUnitName", "ServiceUsers"),), (("commonName", "Alice"),))}
    rules = PrincipalMapper.parse("RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L,DEFAULT")
    assert certificate_principal(cert, rules) == "User:alice"
    other = {"subject": ((("commonName", "bob"),),)}
    assert certificate_principal(other, rules) == "User:CN=bob"
    with pytest.raises(NoMatchingRule):
        certificate_principal(other, PrincipalMapper.parse("RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/"))
