"""Handlers subscribe to event types here. Apps register in ``AppConfig.ready()``::

    from frontdesk.events.registry import on_event

    @on_event("customer.created")
    def customer_created_notify(event): ...

A handler receives the :class:`OutboxEvent`, runs inside the event's organization scope
and its own transaction, and must be idempotent by ``event.id`` (the dispatcher records
completed runs, but a crash between the handler's external effect and that record can
deliver the event again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Handler = Callable[..., None]
_handlers: dict[str, dict[str, Handler]] = defaultdict(dict)
_batch_memo: ContextVar[dict | None] = ContextVar("event_batch_memo", default=None)


def handler_name(func: Handler) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def on_event(*event_types: str):
    def decorator(func: Handler) -> Handler:
        for event_type in event_types:
            _handlers[event_type][handler_name(func)] = func
        return func

    return decorator


def handlers_for(event_type: str) -> dict[str, Handler]:
    return {**_handlers.get("*", {}), **_handlers.get(event_type, {})}


def unregister(func: Handler) -> None:
    name = handler_name(func)
    for table in _handlers.values():
        table.pop(name, None)


@contextmanager
def handlers_isolated() -> Iterator[None]:
    """For tests of the dispatcher: inside the block only the handlers registered there
    run (the apps' own, such as the webhooks fan-out on ``*``, are put back after)."""
    saved = {event_type: dict(table) for event_type, table in _handlers.items()}
    _handlers.clear()
    try:
        yield
    finally:
        _handlers.clear()
        _handlers.update(saved)


@contextmanager
def batch_memo() -> Iterator[None]:
    """Around the dispatch of a batch of events: what handlers look up with
    :func:`memoized` is looked up once for the batch (say, the webhook endpoints of the
    organization), not once per event."""
    token = _batch_memo.set({})
    try:
        yield
    finally:
        _batch_memo.reset(token)


def memoized(key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per ``key`` within a :func:`batch_memo` (every call outside)."""
    memo = _batch_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]
