"""The user's functions and their roles, as Spring Cloud Stream's functional model defines them.

A function with no parameter is a **Source** (Spring's ``Supplier``, polled), one whose return annotation
is ``None`` a **Sink** (``Consumer``), any other a **Processor** (``Function``); ``@source``,
``@processor`` and ``@sink`` say it explicitly. ``spring.cloud.function.definition`` names the functions
to bind, ``;`` between functions and ``|`` for a composition (``brew|label`` is one Processor whose
bindings are ``brew|label-in-0``/``-out-0``); without it, the one function an application defines is
bound (auto-detection), and several are an error, as Spring refuses to guess.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from kcli.stream.errors import StreamError

SOURCE, PROCESSOR, SINK = "source", "processor", "sink"
_ROLE_ATTR = "__kcli_stream_role__"


def source(fn: Callable) -> Callable:
    """Mark ``fn`` as a Source (a Supplier: no input, polled)."""
    setattr(fn, _ROLE_ATTR, SOURCE)
    return fn


def processor(fn: Callable) -> Callable:
    """Mark ``fn`` as a Processor (a Function: one input, one output)."""
    setattr(fn, _ROLE_ATTR, PROCESSOR)
    return fn


def sink(fn: Callable) -> Callable:
    """Mark ``fn`` as a Sink (a Consumer: input only)."""
    setattr(fn, _ROLE_ATTR, SINK)
    return fn


@dataclass
class StreamFunction:
    """One bindable function (or a composition); ``input_type``/``output_type`` drive conversion."""

    name: str
    role: str
    call: Callable[..., Any]
    input_type: Any = None
    output_type: Any = None

    @property
    def inputs(self) -> list[str]:
        return [] if self.role == SOURCE else [f"{self.name}-in-0"]

    @property
    def outputs(self) -> list[str]:
        return [] if self.role == SINK else [f"{self.name}-out-0"]


def role_of(fn: Callable) -> str:
    explicit = getattr(fn, _ROLE_ATTR, None)
    if explicit:
        return explicit
    params = [p for p in inspect.signature(fn).parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not params:
        return SOURCE
    hints = _hints(fn)
    if "return" in hints and hints["return"] in (None, type(None)):
        return SINK
    return PROCESSOR


def _hints(fn: Callable) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception:  # an annotation that does not resolve: treat it as absent
        return {}


def describe(name: str, fn: Callable) -> StreamFunction:
    role = role_of(fn)
    hints = _hints(fn)
    params = list(inspect.signature(fn).parameters)
    input_type = hints.get(params[0]) if params and role != SOURCE else None
    output_type = None if role == SINK else hints.get("return")
    return StreamFunction(name, role, fn, input_type, output_type)


def compose(name: str, parts: list[StreamFunction]) -> StreamFunction:
    """``a|b|c``: each part's result is the next part's argument; a None result ends the chain (nothing sent)."""
    if any(p.role == SOURCE for p in parts[1:]):
        raise StreamError(f"'{name}': only the first function of a composition may be a Source")
    if any(p.role == SINK for p in parts[:-1]):
        raise StreamError(f"'{name}': only the last function of a composition may be a Sink")
    first, last = parts[0], parts[-1]
    role = SOURCE if first.role == SOURCE else (SINK if last.role == SINK else PROCESSOR)

    def chained(*args):
        value = parts[0].call(*args)
        for part in parts[1:]:
            if value is None:
                return None
            value = part.call(_adapt(value, part.input_type))
        return value

    return StreamFunction(name, role, chained, first.input_type, last.output_type)


def _adapt(value: Any, wanted: Any) -> Any:
    """A value passed between composed functions: wrapped in or unwrapped from a Message as the next one takes it."""
    from kcli.stream.message import Message

    wants_message = wanted is Message or typing.get_origin(wanted) is Message
    if wants_message and not isinstance(value, Message):
        return Message(value, {})
    if not wants_message and isinstance(value, Message):
        return value.payload
    return value


def load_module(app: str) -> ModuleType:
    """``app`` as a file (``orders.py``) or an importable module (``orders`` / ``pkg.orders``)."""
    path = Path(app)
    if path.suffix == ".py":
        if not path.is_file():
            raise StreamError(f"No such application file: {app}")
        name = path.stem
        folder = str(path.resolve().parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(app.partition(":")[0])
    except ImportError as exc:
        raise StreamError(f"Cannot import application module '{app}': {exc}") from None


def candidates(module: ModuleType) -> dict[str, Callable]:
    """The functions an application defines: public, top-level, defined in it (not imported), or decorated."""
    found: dict[str, Callable] = {}
    for name, obj in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(obj):
            continue
        if getattr(obj, _ROLE_ATTR, None) or obj.__module__ == module.__name__:
            found[name] = obj
    return found


def resolve_definition(definition: str | None, functions: dict[str, Callable], where: str) -> list[StreamFunction]:
    """The functions to bind from ``spring.cloud.function.definition`` (or auto-detected); a name that is not
    defined is an error naming the closest one — Spring's most common complaint is a typo bound to nothing."""
    if not definition or not definition.strip():
        if len(functions) == 1:
            name, fn = next(iter(functions.items()))
            return [describe(name, fn)]
        if not functions:
            raise StreamError(f"{where} defines no function to bind")
        raise StreamError(f"{where} defines several functions ({', '.join(sorted(functions))}): choose with "
                          f"spring.cloud.function.definition, e.g. {';'.join(sorted(functions))}")
    if "," in definition and ";" not in definition:
        raise StreamError(f"spring.cloud.function.definition={definition}: functions are separated by ';', not ','")
    resolved = []
    for entry in (e.strip() for e in definition.split(";")):
        if not entry:
            continue
        parts = []
        for name in (n.strip() for n in entry.split("|")):
            if name not in functions:
                close = difflib.get_close_matches(name, list(functions), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise StreamError(f"Function '{name}' in spring.cloud.function.definition is not defined in {where} "
                                  f"(it defines: {', '.join(sorted(functions)) or 'nothing'}){hint}")
            parts.append(describe(name, functions[name]))
        resolved.append(parts[0] if len(parts) == 1 else compose(entry, parts))
    return resolved
