"""Fields that every log line carries while one piece of work runs.

A delivery, a feed poll or an update binds the ids it is about (item, chat, source, user);
every line logged meanwhile, by any module, carries them: as fields in LOG_FORMAT=json (see
bot.logs), so that one chat's or one source's lines can be found without parsing messages.

Kept in a context variable, so each asyncio task (and each thread started with
`asyncio.to_thread`) sees the fields of the work it belongs to and no other's.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from contextvars import ContextVar, Token
from types import MappingProxyType

_NONE: Mapping[str, object] = MappingProxyType({})
_fields: ContextVar[Mapping[str, object]] = ContextVar("log_fields", default=_NONE)


def current() -> Mapping[str, object]:
    """The fields bound where the caller runs (empty outside any work)."""
    return _fields.get()


class _Bound:
    """`log_fields`' context manager: a class, since it runs once per update and a
    generator-based one costs several times as much."""

    __slots__ = ("_fields", "_token")

    def __init__(self, fields: dict[str, object]) -> None:
        self._fields = fields
        self._token: Token[Mapping[str, object]] | None = None

    def __enter__(self) -> None:
        bound = {name: value for name, value in self._fields.items() if value is not None}
        outer = _fields.get()
        self._token = _fields.set({**outer, **bound} if outer else bound)

    def __exit__(self, *_exc_info: object) -> None:
        if self._token is not None:
            _fields.reset(self._token)


def log_fields(**fields: object) -> AbstractContextManager[None]:
    """Lines logged inside the `with` block carry `fields` (None values are left out)."""
    return _Bound(fields)


def bind(**fields: object) -> None:
    """For a task of its own (a delivery): its lines carry `fields` until it ends."""
    bound = {name: value for name, value in fields.items() if value is not None}
    _fields.set({**_fields.get(), **bound})
