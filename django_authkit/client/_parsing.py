"""Building typed dataclasses from WorkOS JSON.

One generic ``from_dict`` reads each dataclass field by name and converts it
by its annotation (nested models, lists of models, ``datetime``), so that each
model is only its field list. Unknown keys are kept in ``raw`` and otherwise
ignored: WorkOS adds fields without notice, and that must never break a sign-in.
A missing field without a default is the only hard failure.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar, Union

from django_authkit.client.errors import WorkOSError

_M = TypeVar("_M", bound="WorkOSModel")
_FRACTION = re.compile(r"\.(\d+)")
_MISSING = object()


def parse_datetime(value: Any) -> datetime | None:
    """An aware ``datetime`` from an ISO-8601 string (``Z`` or offset), else ``None``.

    Normalises what ``fromisoformat`` on Python 3.10 rejects: ``Z`` and fractions
    that are not 3 or 6 digits long. A naive value is taken as UTC.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value:
        text = value.strip()
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclasses.dataclass(kw_only=True)
class WorkOSModel:
    """Base of the response models; ``raw`` keeps the JSON object as received."""

    raw: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def _prepare(cls, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """Reshape the JSON before conversion; a hook for the odd model."""
        return data

    @classmethod
    def from_dict(cls: type[_M], data: Mapping[str, Any]) -> _M:
        """Build the model, tolerating unknown keys and nulls in optional fields."""
        if not isinstance(data, Mapping):
            raise WorkOSError(f"Unexpected WorkOS response: {cls.__name__} is not an object")
        values: dict[str, Any] = {"raw": dict(data)}
        data = cls._prepare(data)
        for name, (hint, required) in _fields(cls).items():
            value = data.get(name, _MISSING)
            if value is _MISSING or value is None:
                if required:
                    raise WorkOSError(f"Unexpected WorkOS response: {cls.__name__} lacks {name!r}")
                continue  # the dataclass default applies
            converted = _convert(hint, value)
            if converted is _MISSING:
                if required:
                    raise WorkOSError(
                        f"Unexpected WorkOS response: {cls.__name__}.{name} has the wrong type"
                    )
                continue
            values[name] = converted
        return cls(**values)


_FIELD_CACHE: dict[type[WorkOSModel], dict[str, tuple[Any, bool]]] = {}


def _fields(cls: type[WorkOSModel]) -> dict[str, tuple[Any, bool]]:
    """Per model: field name -> (resolved annotation, required?), computed once."""
    cached = _FIELD_CACHE.get(cls)
    if cached is not None:
        return cached
    hints = typing.get_type_hints(cls)
    out: dict[str, tuple[Any, bool]] = {}
    for f in dataclasses.fields(cls):
        if f.name == "raw":
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out[f.name] = (hints[f.name], required)
    _FIELD_CACHE[cls] = out
    return out


def _convert(hint: Any, value: Any) -> Any:
    """Convert ``value`` to ``hint``; ``_MISSING`` when it cannot be."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(hint):
            if arg is type(None):
                continue
            converted = _convert(arg, value)
            if converted is not _MISSING:
                return converted
        return _MISSING
    if hint is Any:
        return value
    if origin is list:
        if not isinstance(value, list):
            return _MISSING
        (item,) = typing.get_args(hint) or (Any,)
        items = (_convert(item, v) for v in value)
        return [v for v in items if v is not _MISSING]
    if origin is dict:
        return dict(value) if isinstance(value, Mapping) else _MISSING
    if isinstance(hint, type):
        if issubclass(hint, WorkOSModel):
            return hint.from_dict(value) if isinstance(value, Mapping) else _MISSING
        if hint is datetime:
            parsed = parse_datetime(value)
            return _MISSING if parsed is None else parsed
        if hint is bool:
            return value if isinstance(value, bool) else _MISSING
        if hint is int:
            return value if isinstance(value, int) and not isinstance(value, bool) else _MISSING
        if hint is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            return float(value) if ok else _MISSING
        if hint is str:
            return value if isinstance(value, str) else _MISSING
    return value
