"""Partitioning as Spring Cloud Stream does it: a key from ``partition-key-expression``, then Spring's
DefaultPartitionSelector — ``h = key.hashCode()`` (``0`` if it is ``Integer.MIN_VALUE``), ``abs(h)`` —
then ``abs(that % partition-count)`` (PartitionHandler). A ``str`` key hashes with Java's
``String.hashCode``, an ``int`` as ``Integer.hashCode`` (itself), ``bool`` as ``Boolean.hashCode``
(1231/1237); anything else by its JSON text. The result travels in the ``scst_partition`` header.

The key expression is a small, safe subset of SpEL over ``payload`` and ``headers``: subscripts
(``headers['id']``, ``payload['coffee']``, ``payload[0]``), attribute access (``headers.id``,
``payload.coffee`` — a dict's key or an object's attribute) and literals. Nothing is called or evaluated
beyond that.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from kcli.protocol.java_hash import string_hash
from kcli.stream.errors import StreamError

PARTITION_HEADER = "scst_partition"
INT_MIN = -(1 << 31)


def java_hash_code(key: Any) -> int:
    if isinstance(key, bool):
        return 1231 if key else 1237
    if isinstance(key, int) and INT_MIN <= key < (1 << 31):
        return key
    if isinstance(key, int):  # Long.hashCode
        v = key & 0xFFFFFFFFFFFFFFFF
        h = (v ^ (v >> 32)) & 0xFFFFFFFF
        return h - (1 << 32) if h >= 1 << 31 else h
    if not isinstance(key, str):
        key = json.dumps(key, separators=(",", ":"), sort_keys=True)
    return string_hash(key)


def select_partition(key: Any, partition_count: int) -> int:
    h = java_hash_code(key)
    selected = 0 if h == INT_MIN else abs(h)
    return abs(selected % partition_count)


class KeyExpression:
    """A compiled partition key expression; ``key(payload, headers)`` evaluates it."""

    def __init__(self, text: str):
        self.text = text
        try:
            self._tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError:
            raise StreamError(f"partition-key-expression '{text}' is not an expression kcli understands "
                              "(e.g. headers['id'], payload['coffee'], payload.coffee)") from None
        self._check(self._tree)

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name) and node.id in ("payload", "headers"):
            return
        if isinstance(node, ast.Constant):
            return
        if isinstance(node, ast.Attribute):
            return self._check(node.value)
        if isinstance(node, ast.Subscript):
            self._check(node.value)
            return self._check(node.slice)
        raise StreamError(f"partition-key-expression '{self.text}': only payload, headers, ['key'], .name and literals are allowed")

    def key(self, payload: Any, headers: dict[str, Any]) -> Any:
        return self._eval(self._tree, payload, headers)

    def _eval(self, node: ast.AST, payload: Any, headers: dict[str, Any]) -> Any:
        if isinstance(node, ast.Name):
            return payload if node.id == "payload" else headers
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Attribute):
            base = self._eval(node.value, payload, headers)
            return base.get(node.attr) if isinstance(base, dict) else getattr(base, node.attr, None)
        assert isinstance(node, ast.Subscript)
        base = self._eval(node.value, payload, headers)
        index = self._eval(node.slice, payload, headers)
        try:
            return base[index]
        except (KeyError, IndexError, TypeError):
            return None
