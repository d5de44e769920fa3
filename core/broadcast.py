"""Live events of the stores, fanned out to this process's subscribers (J2).

An event is written to the outbox inside the transaction that causes it
(``resolvers/events.py``), and subscribers hear of it only once that transaction
has committed:

* PostgreSQL: ``pg_notify`` on the writing transaction's connection. PostgreSQL
  delivers a notification at commit, drops it on rollback, and delivers it to every
  process LISTENing, each on one asyncpg connection of its own. The payload carries
  ids only (under 8,000 bytes), never documents.
* SQLite (one process): the bus tails the outbox for event rows after the last one it
  saw, woken at once by a publish in this process and every second otherwise; without
  subscribers it only notes the newest row. The tail reads what has committed
  (core/sqlite.py), so it finds a row after its transaction's commit and never after a
  rollback; writers take turns, so ids grow in commit order.

Subscribers of a store get each event once, in order, on a bounded queue; one that
falls too far behind is dropped rather than slowing the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise import connections

from models.outbox import OutboxMessage

logger = logging.getLogger("dangol.broadcast")

CHANNEL = "dangol_events"
EVENT_KIND_PREFIX = "event."
MAX_NOTIFY_BYTES = 7_900
QUEUE_SIZE = 1_000
SQLITE_POLL_SECONDS = 1.0
LISTENER_CHECK_SECONDS = 30.0
T = TypeVar("T")


@dataclass(eq=False)
class LiveEvent:
    """An event as subscribers see it: ids only; details are loaded once per process."""

    id: int
    store_id: int
    type: str
    refs: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] | None = None
    _memo: dict[Any, asyncio.Future[Any]] = field(default_factory=dict, repr=False)

    def notification(self) -> str:
        refs = _fitting(self.id, self.store_id, self.type, self.refs)
        return json.dumps({"id": self.id, "s": self.store_id, "t": self.type, "r": refs})

    @classmethod
    def from_notification(cls, text: str) -> LiveEvent:
        raw = json.loads(text)
        return cls(id=int(raw["id"]), store_id=int(raw["s"]), type=str(raw["t"]), refs=raw["r"])

    def once(self, key: Any, compute: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        """``compute()`` at most once per event in this process, shared by its subscribers."""
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = asyncio.ensure_future(compute())
        return found

    async def details(self) -> Mapping[str, Any]:
        """The event's data as written to the outbox (read once, on PostgreSQL)."""
        if self.data is not None:
            return self.data
        return await self.once("details", self._load_details)

    async def _load_details(self) -> Mapping[str, Any]:
        found = await OutboxMessage.filter(id=self.id).values_list("payload", flat=True)
        payload = _json(found[0]) if found else {}
        data = payload.get("data")
        return data if isinstance(data, Mapping) else {}


class Subscription:
    """One subscriber's queue of a store's events of some types."""

    def __init__(self, bus: EventBus, store_id: int, types: Collection[str]) -> None:
        self.bus = bus
        self.store_id = store_id
        self.types = frozenset(types)
        self.queue: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.overflowed = False

    def offer(self, event: LiveEvent) -> None:
        if self.overflowed or event.type not in self.types:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            logger.warning("a subscriber of store %s fell behind and was dropped", self.store_id)

    async def next(self, timeout: float | None = None) -> LiveEvent | None:
        """The next event; None after ``timeout`` seconds without one."""
        if self.overflowed:
            raise SubscriberTooSlow
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    def drain(self) -> list[LiveEvent]:
        """The events already waiting, without waiting for more."""
        found = []
        while not self.queue.empty():
            found.append(self.queue.get_nowait())
        return found

    def close(self) -> None:
        self.bus._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SubscriberTooSlow(Exception):
    pass


class EventBus:
    """This process's subscribers, and the one listener that feeds them."""

    def __init__(self) -> None:
        self._subscriptions: dict[int, set[Subscription]] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._ready = asyncio.Event()
        self._last_seen = 0
        self.dispatched = 0

    # -- subscribers ------------------------------------------------------------------------

    def subscribe(self, store_id: int, types: Collection[str]) -> Subscription:
        subscription = Subscription(self, store_id, types)
        self._subscriptions.setdefault(store_id, set()).add(subscription)
        return subscription

    def _remove(self, subscription: Subscription) -> None:
        found = self._subscriptions.get(subscription.store_id)
        if found is not None:
            found.discard(subscription)
            if not found:
                del self._subscriptions[subscription.store_id]

    def subscribers(self, store_id: int) -> int:
        return len(self._subscriptions.get(store_id, ()))

    def dispatch(self, event: LiveEvent) -> None:
        self.dispatched += 1
        for subscription in list(self._subscriptions.get(event.store_id, ())):
            subscription.offer(event)

    # -- the listener -----------------------------------------------------------------------

    async def start(self, database_url: str) -> None:
        if self._task is not None:
            return
        self._stopping.clear()
        self._ready.clear()
        if _is_postgres(database_url):
            self._task = asyncio.create_task(self._listen(_asyncpg_dsn(database_url)))
        else:
            self._last_seen = await _last_event_id()
            _LOCAL_BUSES.add(self)
            self._task = asyncio.create_task(self._tail())
        ready = asyncio.ensure_future(self._ready.wait())
        done, _ = await asyncio.wait(
            {ready, self._task}, timeout=10, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if self._task in done:
                self._task.result()
            logger.error("the event listener is not ready yet; events may be missed until it is")

    async def stop(self) -> None:
        _LOCAL_BUSES.discard(self)
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        self._wake.set()

    async def _listen(self, dsn: str) -> None:
        """LISTEN on a connection of our own; reconnect (with backoff) whenever it is lost."""
        backoff = 0.5
        while not self._stopping.is_set():
            listener: asyncpg.Connection | None = None
            try:
                listener = await asyncpg.connect(dsn)
                lost = asyncio.Event()
                listener.add_termination_listener(_setter(lost))
                await listener.add_listener(CHANNEL, self._on_notification)
                self._ready.set()
                backoff = 0.5
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), LISTENER_CHECK_SECONDS)
                    if not lost.is_set():
                        await asyncio.wait_for(listener.execute("SELECT 1"), 10)
                logger.warning("the event listener's connection closed; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("the event listener failed; reconnecting in %.1f s", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                if listener is not None and not listener.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(listener.close(timeout=2))

    def _on_notification(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = LiveEvent.from_notification(payload)
        except (ValueError, KeyError, TypeError):
            logger.error("an event notification could not be read: %r", payload[:200])
            return
        self.dispatch(event)

    async def _tail(self) -> None:
        """SQLite: read the event rows after the last one seen, when woken or every second."""
        self._ready.set()
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), SQLITE_POLL_SECONDS)
            self._wake.clear()
            try:
                if not self._subscriptions:
                    # Nobody to tell: note how far the outbox goes instead of reading its rows.
                    # Checked again after the read: a subscriber who came meanwhile gets them.
                    newest = await _last_event_id()
                    if not self._subscriptions:
                        self._last_seen = max(self._last_seen, newest)
                        continue
                for event in await _events_after(self._last_seen):
                    self._last_seen = event.id
                    self.dispatch(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("reading new events failed; trying again")
                await asyncio.sleep(SQLITE_POLL_SECONDS)


_LOCAL_BUSES: set[EventBus] = set()


def _setter(event: asyncio.Event) -> Callable[[Any], None]:
    return lambda _connection: event.set()


def _fitting(event_id: int, store_id: int, type: str, refs: Mapping[str, Any]) -> Mapping[str, Any]:
    """``refs``, or none when they would not fit a notification: subscribers then read the row."""
    text = json.dumps({"id": event_id, "s": store_id, "t": type, "r": refs})
    return refs if len(text.encode()) <= MAX_NOTIFY_BYTES else {}


# The row and its notification, written from the row's id, in one round trip; the notification's
# JSON is PostgreSQL's, with the keys of LiveEvent.notification.
_WRITE_AND_NOTIFY = (
    f'WITH "written" AS (INSERT INTO "{OutboxMessage._meta.db_table}" '
    '("store_id", "kind", "payload", "created_at", "available_at", "attempts") '
    "VALUES ($1, $2, $3, $4, $5, 0) RETURNING *) "
    'SELECT "written".*, pg_notify($6, json_build_object(\'id\', "written"."id", '
    "'s', \"written\".\"store_id\", 't', $7::text, 'r', $8::json)::text) AS \"notified\" "
    'FROM "written"'
)


async def write_and_announce(
    *,
    store_id: int,
    kind: str,
    payload: Mapping[str, Any],
    available_at: datetime,
    type: str,
    refs: Mapping[str, Any],
) -> OutboxMessage:
    """Write an event's outbox row and tell subscribers about it once the current transaction
    commits (nothing on rollback). On PostgreSQL in one statement, the notification written
    from the row's id; on SQLite the row, then a wake-up of this process's buses."""
    connection = connections.get("default")
    if connection.schema_generator.DIALECT != "postgres":
        message = await OutboxMessage.create(
            store_id=store_id, kind=kind, payload=payload, available_at=available_at
        )
        await announce(LiveEvent(id=message.id, store_id=store_id, type=type, refs=refs))
        return message
    # the largest id an outbox row can have stands in for the one it will get
    fitting = _fitting(2**63 - 1, store_id, type, refs)
    rows = await connection.execute_query_dict(
        _WRITE_AND_NOTIFY,
        [
            store_id,
            kind,
            json.dumps(payload),
            datetime.now(UTC),
            available_at,
            CHANNEL,
            type,
            json.dumps(fitting),
        ],
    )
    written = dict(rows[0])
    written.pop("notified")
    return OutboxMessage._init_from_db(**written)


async def announce(event: LiveEvent) -> None:
    """Tell subscribers about ``event`` once the current transaction commits (nothing on rollback).

    Call it inside the transaction that wrote the event's outbox row.
    """
    connection = connections.get("default")
    if connection.schema_generator.DIALECT == "postgres":
        await connection.execute_query("SELECT pg_notify($1, $2)", [CHANNEL, event.notification()])
        return
    for bus in _LOCAL_BUSES:
        bus.wake()


async def _last_event_id() -> int:
    """The newest outbox row's id (written by hand: the bus asks after every publish)."""
    table = OutboxMessage._meta.db_table
    found = await connections.get("default").execute_query_dict(
        f'SELECT MAX("id") AS "newest" FROM "{table}"'
    )
    return int(found[0]["newest"] or 0) if found else 0


async def _events_after(last_seen: int) -> list[LiveEvent]:
    rows = (
        await OutboxMessage.filter(id__gt=last_seen, kind__startswith=EVENT_KIND_PREFIX)
        .order_by("id")
        .limit(500)
        .values("id", "store_id", "payload")
    )
    events = []
    for row in rows:
        message_id, store_id, payload = row["id"], row["store_id"], _json(row["payload"])
        data = payload.get("data")
        events.append(
            LiveEvent(
                id=int(message_id),
                store_id=int(store_id),
                type=str(payload.get("type", "")),
                refs=payload.get("refs") or {},
                data=data if isinstance(data, Mapping) else {},
            )
        )
    return events


def _json(raw: Any) -> dict[str, Any]:
    value = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return value if isinstance(value, dict) else {}


def _is_postgres(database_url: str) -> bool:
    return database_url.split(":", 1)[0] in ("postgres", "postgresql", "asyncpg", "psycopg")


def _asyncpg_dsn(database_url: str) -> str:
    """The URL as asyncpg reads it: its own scheme, without Tortoise's pool options."""
    parts = urlsplit(database_url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))
