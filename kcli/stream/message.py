"""Message: a payload with its headers, as Spring's ``Message<T>`` carries them.

A function that takes ``Message[T]`` gets the converted payload and the headers as they arrived
(``contentType``, ``scst_partition``, user headers); one that returns a Message sets the outgoing headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class Message(Generic[T]):
    payload: T
    headers: dict[str, Any] = field(default_factory=dict)
