"""Kafka's ``.properties`` format, as java.util.Properties reads it.

``key=value``, ``key: value`` or ``key value`` per line; ``#`` and ``!`` start
comments; a trailing backslash continues a line; ``\\t``, ``\\n``, ``\\uXXXX``
and ``\\\\`` are escapes.
"""

from __future__ import annotations


def parse_properties(text: str) -> dict[str, str]:
    props: dict[str, str] = {}
    logical = ""
    for raw in text.splitlines():
        line = raw.lstrip() if not logical else raw.strip()
        if not logical and (not line or line[0] in "#!"):
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            logical += line[:-1]
            continue
        logical += line
        key, value = _split(logical)
        props[key] = value
        logical = ""
    if logical:
        key, value = _split(logical)
        props[key] = value
    return props


def _split(line: str) -> tuple[str, str]:
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "=: \t":
            rest = line[i:].lstrip(" \t")
            if rest[:1] in ("=", ":"):
                rest = rest[1:]
            return _unescape(line[:i]), _unescape(rest.strip())
        i += 1
    return _unescape(line), ""


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "\\": "\\", "=": "=", ":": ":", " ": " ", "#": "#", "!": "!"}


def _unescape(text: str) -> str:
    """java.util.Properties escapes, except that a lone backslash before any other
    character is kept, so Windows paths like C:\\kafka\\logs survive (Java drops it)."""
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and i + 6 <= len(text):
                try:
                    out.append(chr(int(text[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)
