"""Fields that every log line carries while one piece of work runs.

A delivery, a feed poll or an update binds the ids it is about (item, chat, source, user);
every line logged meanwhile, by any module, carries them: as fields in LOG_FORMAT=json (see
bot.logs), so that one chat's or one source's lines can be found without parsing messages.

Kept in a context variable, so each asyncio task (and each thread started with
`asyncio.to_thread`) sees the fields of the work it belongs to and no other's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

_NONE: Mapping[str, object] = MappingProxyType({})
_fields: ContextVar[Mapping[str, object]] = ContextVar("log_fields", default=_NONE)


def current() -> Mapping[str, object]:
    """The fields bound where the caller runs (empty outside any work)."""
    return _fields.get()


@contextmanager
def log_fields(**fields: object) -> Iterator[None]:
    """Lines logged inside the block carry `fields` (None values are left out)."""
    bound = {name: value for name, value in fields.items() if value is not None}
    token = _fields.set({**_fields.get(), **bound})
    try:
        yield
    finally:
        _fields.reset(token)


def bind(**fields: object) -> None:
    """For a task of its own (a delivery): its lines carry `fields` until it ends."""
    bound = {name: value for name, value in fields.items() if value is not None}
    _fields.set({**_fields.get(), **bound})
