"""Payload conversion between the wire (bytes + ``contentType``) and a function's types, as Spring's converters do.

In: the type hint decides — ``bytes`` gets the body as is, ``str`` the body decoded as UTF-8, a dataclass its
JSON fields, ``dict``/``list``/anything else the body read by its ``contentType`` (``application/json``
parsed, ``text/*`` decoded, other types left as bytes); ``Message[T]`` the same payload with the headers.
Out: ``bytes`` are sent as ``application/octet-stream``, ``str`` as ``text/plain``, everything else as
``application/json`` — unless the binding sets ``content-type``. A ``str`` under ``application/json`` is
written as its bytes, not quoted again, as Spring writes a String payload.

On Kafka Spring writes header values raw and lists their Java types in ``spring_json_header_types``;
older versions JSON-quoted strings. Both are read here and that header is dropped.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

from kcli.stream.message import Message

JSON, TEXT, OCTETS = "application/json", "text/plain", "application/octet-stream"
CONTENT_TYPE = "contentType"
JSON_HEADER_TYPES = "spring_json_header_types"


class ConversionError(ValueError):
    """A body that cannot become the function's argument (Spring's MessageConversionException)."""


def _unwrap(hint: Any) -> tuple[bool, Any]:
    if hint is Message:
        return True, None
    if typing.get_origin(hint) is Message:
        args = typing.get_args(hint)
        return True, args[0] if args else None
    return False, hint


def _media(content_type: str | None) -> str:
    return (content_type or JSON).split(";")[0].strip().lower()


def to_argument(body: bytes, headers: dict[str, Any], hint: Any) -> Any:
    wants_message, hint = _unwrap(hint)
    payload = _payload(body, headers.get(CONTENT_TYPE), hint)
    return Message(payload, dict(headers)) if wants_message else payload


def _payload(body: bytes, content_type: str | None, hint: Any) -> Any:
    media = _media(content_type)
    if hint is bytes:
        return body
    if hint is str:
        return _text(body)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        data = _json(body)
        if not isinstance(data, dict):
            raise ConversionError(f"cannot convert {body[:60]!r} to {hint.__name__}: not a JSON object")
        try:
            return hint(**data)
        except TypeError as exc:
            raise ConversionError(f"cannot convert to {hint.__name__}: {exc}") from None
    if media.endswith("json") or (hint in (dict, list) or typing.get_origin(hint) in (dict, list)):
        return _json(body)
    if media.startswith("text/"):
        return _text(body)
    return body


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConversionError(f"payload is not UTF-8 text: {exc}") from None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ConversionError(f"payload is not JSON ({exc}): {body[:60]!r}") from None


def to_body(value: Any, hint: Any, binding_content_type: str | None) -> tuple[bytes, str, dict[str, Any]]:
    """``(body, contentType, headers)`` for a function's result (a Message's headers come along)."""
    headers: dict[str, Any] = {}
    if isinstance(value, Message):
        headers = dict(value.headers)
        value = value.payload
        hint = None
    else:
        _, hint = _unwrap(hint)
    explicit = headers.pop(CONTENT_TYPE, None) or binding_content_type
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), explicit or OCTETS, headers
    if isinstance(value, str):
        return value.encode("utf-8"), explicit or TEXT, headers
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    media = _media(explicit or JSON)
    if media.startswith("text/"):
        return str(value).encode("utf-8"), explicit or TEXT, headers
    return json.dumps(value, separators=(",", ":")).encode("utf-8"), explicit or JSON, headers


def decode_headers(raw: list[tuple[str, bytes]] | dict[str, Any]) -> dict[str, Any]:
    """Wire headers as a dict: UTF-8 text where they are text (quotes of Spring's older JSON form removed),
    bytes otherwise; ``spring_json_header_types`` is read and dropped."""
    items = list(raw.items()) if isinstance(raw, dict) else list(raw)
    types: dict[str, str] = {}
    for key, value in items:
        if key == JSON_HEADER_TYPES:
            try:
                types = json.loads(value)
            except (ValueError, TypeError):
                types = {}
    headers: dict[str, Any] = {}
    for key, value in items:
        if key == JSON_HEADER_TYPES:
            continue
        if isinstance(value, (bytes, bytearray)):
            data = bytes(value)
            try:
                value = data.decode("utf-8")
            except UnicodeDecodeError:
                headers[key] = data
                continue
            if len(value) >= 2 and value[0] == value[-1] == '"' and types.get(key, "java.lang.String") == "java.lang.String":
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
        headers[key] = value
    return headers


def encode_headers(headers: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Headers for a Kafka record: strings raw, numbers and booleans as their JSON text, with
    ``spring_json_header_types`` naming the Java types, as Spring's BinderHeaderMapper writes them."""
    out: list[tuple[str, bytes]] = []
    types: dict[str, str] = {}
    for key, value in headers.items():
        if isinstance(value, bytes):
            out.append((key, value))
            continue
        if isinstance(value, bool):
            types[key] = "java.lang.Boolean"
            out.append((key, b"true" if value else b"false"))
        elif isinstance(value, int):
            types[key] = "java.lang.Integer" if -(1 << 31) <= value < (1 << 31) else "java.lang.Long"
            out.append((key, str(value).encode()))
        else:
            types[key] = "java.lang.String"
            out.append((key, str(value).encode("utf-8")))
    if types:
        out.append((JSON_HEADER_TYPES, json.dumps(types, separators=(",", ":")).encode()))
    return out
