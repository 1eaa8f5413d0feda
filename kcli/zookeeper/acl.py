"""ACLs and authentication: the ``world``, ``ip``, ``digest``, ``auth`` and ``super`` schemes.

A connection's auth ids start as ``ip:<client address>`` and grow with each
successful AuthPacket. Access is allowed when the ACL is empty, the
connection holds a ``super`` id, or some ACL entry with the needed permission
bit matches one of its ids (ZooKeeperServer.checkACL). A ``digest`` id is
``user:base64(sha1("user:password"))`` (DigestAuthenticationProvider).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress

from kcli.protocol.zookeeper import errors
from kcli.protocol.zookeeper import opcodes as op
from kcli.protocol.zookeeper.jute import Record
from kcli.protocol.zookeeper.records import ACL, Id

# kazoo's test harness runs ZooKeeper with this superDigest (password "test"); kcli accepts the same when configured.
SCHEMES = ("world", "ip", "digest", "auth", "super")


def digest(user_password: str) -> str:
    user = user_password.split(":", 1)[0]
    return f"{user}:{base64.b64encode(hashlib.sha1(user_password.encode('utf-8')).digest()).decode('ascii')}"


def authenticate(scheme: str, auth: bytes | None, super_digest: str | None) -> Record:  # an Id
    """The id an AuthPacket earns; raises AUTH_FAILED."""
    if scheme == "digest" and auth is not None:
        text = auth.decode("utf-8", "replace")
        if ":" not in text:
            raise errors.KeeperError(errors.AUTH_FAILED)
        ident = digest(text)
        if super_digest and ident == super_digest:
            return Id("super", "")
        return Id("digest", ident)
    raise errors.KeeperError(errors.AUTH_FAILED)


def _valid(scheme: str, ident: str) -> bool:
    if scheme == "world":
        return ident == "anyone"
    if scheme == "digest":
        return ident.count(":") == 1
    if scheme == "ip":
        try:
            ipaddress.ip_network(ident, strict=False)
        except ValueError:
            return False
        return True
    return scheme == "super"


def fixup(acl, auth_ids) -> tuple:
    """PrepRequestProcessor.fixupACL: validate and expand ``auth`` entries; raises INVALID_ACL."""
    if not acl:
        raise errors.KeeperError(errors.INVALID_ACL)
    fixed: list[Record] = []
    for entry in acl:
        scheme, ident = entry.id.scheme, entry.id.id
        if scheme == "auth":
            added = [a for a in auth_ids if a.scheme not in ("ip", "world")]
            if not added:
                raise errors.KeeperError(errors.INVALID_ACL)
            fixed.extend(ACL(entry.perms, Id(a.scheme, a.id)) for a in added)
        elif scheme in SCHEMES and ident is not None and _valid(scheme, ident):
            fixed.append(ACL(entry.perms, Id(scheme, ident)))
        else:
            raise errors.KeeperError(errors.INVALID_ACL)
    return tuple(dict.fromkeys(fixed))  # duplicates dropped, order kept


def _matches(entry: Record, ident: Record) -> bool:  # an ACL, an Id
    scheme = entry.id.scheme
    if scheme != ident.scheme:
        return False
    if scheme == "ip":
        try:
            return ipaddress.ip_address(ident.id) in ipaddress.ip_network(entry.id.id, strict=False)
        except ValueError:
            return False
    return entry.id.id == ident.id


def check(acl, perm: int, auth_ids) -> None:
    """Raises NO_AUTH unless ``auth_ids`` grant ``perm`` under ``acl``."""
    if not acl:
        return
    for ident in auth_ids:
        if ident.scheme == "super":
            return
    for entry in acl:
        if entry.perms & perm:
            if entry.id.scheme == "world" and entry.id.id == "anyone":
                return
            for ident in auth_ids:
                if _matches(entry, ident):
                    return
    raise errors.KeeperError(errors.NO_AUTH)


def masked(acl, auth_ids) -> tuple:
    """getACL without ADMIN: digest ids shown as ``user:x`` (ZooKeeper 3.8 hides the hash)."""
    try:
        check(acl, op.ADMIN, auth_ids)
        return tuple(acl)
    except errors.KeeperError:
        return tuple(
            ACL(e.perms, Id(e.id.scheme, e.id.id.split(":", 1)[0] + ":x")) if e.id.scheme == "digest" else e for e in acl
        )
