"""Who is acting, from where: set once per request (or job) and read by audit and security logs."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ActionContext:
    user: Any = None
    ip: str = ""
    user_agent: str = ""
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    role_code: str = ""
    source: str = "web"  # web | api | job | cli


_current: contextvars.ContextVar[ActionContext | None] = contextvars.ContextVar("qinjian_action", default=None)


def current() -> ActionContext:
    ctx = _current.get()
    if ctx is None:
        ctx = ActionContext(source="cli")
        _current.set(ctx)
    return ctx


@contextmanager
def acting(**kwargs: Any) -> Iterator[ActionContext]:
    """Run a block as a given actor (jobs, commands, tests)."""
    token = _current.set(ActionContext(**kwargs))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


def set_current(ctx: ActionContext) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
