"""The SQLite engine: Tortoise's aiosqlite client, with statements run on the event loop's thread.

Through aiosqlite's thread a statement cost about 100 µs of CPU in hand-offs, more than most
statements themselves (2 µs for a point INSERT), and its answer waited for the event loop to
come round to it. So:

- a SELECT outside a transaction runs at once on a read-only connection of the event loop's
  thread, and neither waits for a transaction open in the process (Tortoise gives its one
  aiosqlite connection to a transaction until it ends) nor, in WAL mode, for any writer;
- an INSERT, UPDATE or DELETE outside a transaction (an audit entry, a rate counter) runs at
  once on a connection of the loop's thread that never waits for the write lock: when a
  transaction holds it, SQLite refuses at once and the statement goes through aiosqlite's
  thread as before (after that transaction, in this process);
- a transaction runs on a connection of the loop's thread of its own. It starts with
  ``BEGIN IMMEDIATE``, so one that reads before it writes waits for the write lock instead of
  failing with "database is locked"; while another process holds the lock, it waits on the event
  loop, not in a thread. Once the lock is taken no statement of the transaction can wait for
  another connection, so each runs at once, and a transaction on a request path (point
  statements, tests/speed/test_query_plans.py) holds the write lock for its own work only, not
  for a hand-off per statement each waiting its turn of a busy event loop. Jobs write in
  batches; a bulk insert (``executemany``) or a script runs in a thread.

No read holds the event loop for long: it runs for a point read's budget of SQLite steps and is
then interrupted, which undoes nothing, and run again off the loop (aiosqlite's thread outside a
transaction, a worker thread on the transaction's own connection inside one). A write outside a
transaction has the same budget: interrupted, it is undone whole and done again through
aiosqlite's thread. A write inside a transaction runs to its end, since interrupting it would
roll the whole transaction back. The loop's connections leave checkpoints (which write and sync the
database file) to aiosqlite's, and ask for one there after every ``CHECKPOINT_AFTER_WRITES``
rows written.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError

ENGINE = "core.sqlite"
T = TypeVar("T")
SQLITE_BUSY_TIMEOUT_MS = 15_000
# A WAL reader waits only in rare moments (a checkpoint resetting the log); never for long,
# since it waits on the event loop's thread.
SQLITE_READ_BUSY_TIMEOUT_MS = 1_000
# A read on the event loop's thread may run this many steps of this many SQLite instructions
# (about a millisecond): a point read or a page takes a few; a scan goes off the loop.
READ_STEP_INSTRUCTIONS = 1_000
READ_AT_ONCE_STEPS = 100
CHECKPOINT_AFTER_WRITES = 500
# Pauses between tries of BEGIN IMMEDIATE while another process holds the write lock: SQLite's
# own busy handler's, in seconds; then the last one until SQLITE_BUSY_TIMEOUT_MS has passed.
LOCK_PAUSES = (0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.025, 0.025, 0.05, 0.05, 0.1)
_WRITES = ("INSERT", "UPDATE", "DELETE")
# what a statement run at once meets when it must not wait: the write lock is taken, or it ran
# out of steps; SQLite has undone it, and it runs again through aiosqlite's thread
_TRY_AGAIN = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_INTERRUPT}


def _error_code(exc: sqlite3.Error) -> int:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


class _Budget:
    """The SQLite steps a statement of one connection may still run; its progress handler spends
    them and interrupts the statement when they run out."""

    def __init__(self) -> None:
        self.left = 0
        self.bounded = False

    def allow(self, steps: int | None) -> None:
        """``steps`` for the next statement; None: as many as it takes."""
        self.bounded = steps is not None
        self.left = steps or 0

    def spent(self) -> bool:
        return self.bounded and self.left < 0

    def spend_a_step(self) -> bool:
        if not self.bounded:
            return False
        self.left -= 1
        return self.left < 0  # True interrupts the statement


def _loop_connection(path: str, budget: _Budget, pragmas: Mapping[str, Any]) -> sqlite3.Connection:
    found = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    found.row_factory = sqlite3.Row
    for pragma, value in pragmas.items():
        found.execute(f"PRAGMA {pragma} = {value}")
    found.set_progress_handler(budget.spend_a_step, READ_STEP_INSTRUCTIONS)
    return found


class _Done(NamedTuple):
    """A statement run at once: rows changed, rows returned, the rowid an INSERT gave."""

    changes: int
    rows: list[Any]
    last_row_id: int


class _TransactionOnTheLoop:
    """What Tortoise's transaction wrapper asks of aiosqlite's connection, done on the
    transaction connection of the event loop's thread (see the module's docstring)."""

    def __init__(self, client: ImmediateSqliteClient, database: sqlite3.Connection) -> None:
        self._client = client
        self._database = database
        self._budget = client._transaction_budget
        self._changes_at_begin = database.total_changes

    @property
    def total_changes(self) -> int:
        return self._database.total_changes

    async def begin_immediate(self) -> None:
        self._budget.allow(None)
        if self._database.in_transaction:  # left open by a failure: nothing of it may commit
            self._database.rollback()
        self._run("BEGIN IMMEDIATE", ())
        self._changes_at_begin = self._database.total_changes

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> sqlite3.Cursor:
        cursor, _ = await self._statement(sql, parameters or ())
        return cursor

    async def execute_fetchall(
        self, sql: str, parameters: Sequence[Any] | None = None
    ) -> list[Any]:
        _, rows = await self._statement(sql, parameters or ())
        return rows

    async def execute_insert(self, sql: str, parameters: Sequence[Any] | None = None) -> tuple[int]:
        cursor, _ = await self._statement(sql, parameters or ())
        return (cursor.lastrowid or 0,)

    async def executemany(self, sql: str, parameters: Sequence[Sequence[Any]]) -> sqlite3.Cursor:
        self._budget.allow(None)
        return await self._in_a_thread(self._database.executemany, sql, parameters)

    async def executescript(self, sql: str) -> sqlite3.Cursor:
        self._budget.allow(None)
        return await self._in_a_thread(self._database.executescript, sql)

    async def commit(self) -> None:
        self._budget.allow(None)
        try:
            self._database.commit()
        except sqlite3.Error as exc:  # a foreign key checked at commit, a full disk
            if self._database.in_transaction:
                self._database.rollback()
            if isinstance(exc, sqlite3.IntegrityError):
                raise IntegrityError(exc) from exc
            raise OperationalError(exc) from exc
        self._client._written(self._database.total_changes - self._changes_at_begin)

    async def rollback(self) -> None:
        self._budget.allow(None)
        self._database.rollback()

    async def _statement(
        self, sql: str, parameters: Sequence[Any]
    ) -> tuple[sqlite3.Cursor, list[Any]]:
        if sql[:6].upper() != "SELECT":
            # an interrupted write would roll the whole transaction back: writes run to the end
            self._budget.allow(None)
            return self._run(sql, parameters)
        self._budget.allow(READ_AT_ONCE_STEPS)
        try:
            return self._run(sql, parameters)
        except sqlite3.OperationalError:
            if not self._budget.spent():
                raise
        # an interrupted SELECT leaves the transaction as it was: it runs again off the loop
        self._budget.allow(None)
        return await self._in_a_thread(self._run, sql, parameters)

    def _run(self, sql: str, parameters: Sequence[Any]) -> tuple[sqlite3.Cursor, list[Any]]:
        cursor = self._database.execute(sql, parameters)
        return cursor, cursor.fetchall()

    async def _in_a_thread(self, call: Callable[..., T], *args: Any) -> T:
        """``call`` in a worker thread. Cancelled, it interrupts the statement and waits for the
        thread to let go of the connection before the transaction is rolled back."""
        running = asyncio.ensure_future(asyncio.to_thread(call, *args))
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            self._database.interrupt()
            await asyncio.wait([running])
            raise


class _ImmediateTransactionWrapper(SqliteTransactionWrapper):
    def __init__(self, connection: ImmediateSqliteClient) -> None:
        super().__init__(connection)
        database = connection._transaction_connection()
        self._on_the_loop = (
            None if database is None else _TransactionOnTheLoop(connection, database)
        )
        if self._on_the_loop is not None:
            # Tortoise's wrapper (and a savepoint's, copied from it) sends every statement here
            self._connection = self._on_the_loop  # type: ignore[assignment]

    async def begin(self) -> None:
        """``BEGIN IMMEDIATE``; while another process holds the write lock, tried again after
        a pause, for as long as aiosqlite's connection would wait (``SQLITE_BUSY_TIMEOUT_MS``)."""
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        for attempt in itertools.count():
            try:
                if self._on_the_loop is not None:
                    await self._on_the_loop.begin_immediate()
                else:
                    await self._connection.commit()
                    await self._connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if _error_code(exc) != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise TransactionManagementError(exc) from exc
            await asyncio.sleep(LOCK_PAUSES[min(attempt, len(LOCK_PAUSES) - 1)])


class ImmediateSqliteClient(SqliteClient):
    _reader: sqlite3.Connection | None = None
    _writer: sqlite3.Connection | None = None
    _transactions: sqlite3.Connection | None = None
    _writes_since_checkpoint = 0
    _checkpoint: asyncio.Task[Any] | None = None

    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        self._budget = _Budget()  # the reader's and the writer's: they run on one thread
        self._transaction_budget = _Budget()

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(_ImmediateTransactionWrapper(self), self._lock)

    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        done = self._at_once(query, values)
        if done is None:
            answer: tuple[int, Sequence[dict[str, Any]]] = await super().execute_query(
                query, values
            )
            return answer
        return done.changes or len(done.rows), done.rows

    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        done = self._at_once(query, values)
        if done is None:
            found: list[dict[str, Any]] = await super().execute_query_dict(query, values)
            return found
        return [dict(row) for row in done.rows]

    async def execute_insert(self, query: str, values: list[Any]) -> int:
        done = self._at_once(query, values)
        if done is None:
            row_id: int = await super().execute_insert(query, values)
            return row_id
        return done.last_row_id

    def _at_once(self, query: str, values: list[Any] | None) -> _Done | None:
        """The statement run on the event loop's thread; None when it is to go through
        aiosqlite's thread (see the module's docstring)."""
        if not self._on_a_file():
            return None
        query = query.replace("\x00", "'||CHAR(0)||'")  # as Tortoise sends it
        verb = query[:6].upper()
        if verb == "SELECT":
            database = self._read_connection()
        elif verb in _WRITES:
            database = self._write_connection()
        else:
            return None
        self._budget.allow(READ_AT_ONCE_STEPS)
        changes_before = database.total_changes
        try:
            cursor = database.execute(query, values or ())
            rows = cursor.fetchall()
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(exc) from exc
        except sqlite3.OperationalError as exc:
            if _error_code(exc) in _TRY_AGAIN or self._budget.spent():
                return None
            raise OperationalError(exc) from exc
        self.log.debug("%s: %s", query, values)
        changes = database.total_changes - changes_before
        if database is self._writer:
            self._written(changes)
        return _Done(changes, rows, cursor.lastrowid or 0)

    def _on_a_file(self) -> bool:
        """Whether connections of the loop's thread may open the database: a file, which
        aiosqlite's connection has opened (and set to WAL) first."""
        return self._connection is not None and self.filename != ":memory:"

    def _read_connection(self) -> sqlite3.Connection:
        if self._reader is None:
            self._reader = _loop_connection(
                self.filename,
                self._budget,
                {"busy_timeout": SQLITE_READ_BUSY_TIMEOUT_MS, "query_only": "ON"},
            )
        return self._reader

    def _write_connection(self) -> sqlite3.Connection:
        if self._writer is None:
            self._writer = self._writing_connection(self._budget)
        return self._writer

    def _transaction_connection(self) -> sqlite3.Connection | None:
        """The connection of this process's transactions; None where they go through aiosqlite's
        (an in-memory database, or before aiosqlite's connection is open)."""
        if not self._on_a_file():
            return None
        if self._transactions is None:
            self._transactions = self._writing_connection(self._transaction_budget)
        return self._transactions

    def _writing_connection(self, budget: _Budget) -> sqlite3.Connection:
        """A connection of the loop's thread that writes: the client's pragmas (foreign keys,
        synchronous), no wait for the write lock, no checkpoint of its own."""
        pragmas = {
            **{name: value for name, value in self.pragmas.items() if name != "journal_mode"},
            "busy_timeout": 0,
            "wal_autocheckpoint": 0,
        }
        return _loop_connection(self.filename, budget, pragmas)

    def _written(self, changes: int) -> None:
        self._writes_since_checkpoint += changes
        if self._writes_since_checkpoint < CHECKPOINT_AFTER_WRITES or self._checkpoint:
            return
        self._writes_since_checkpoint = 0
        self._checkpoint = asyncio.ensure_future(self._checkpoint_off_the_loop())

    async def _checkpoint_off_the_loop(self) -> None:
        try:
            await super().execute_query("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:  # asked for again after as many writes
            self.log.warning("a checkpoint after writes on the loop's thread failed", exc_info=True)
        finally:
            self._checkpoint = None

    async def close(self) -> None:
        if self._checkpoint is not None:
            await self._checkpoint
        for loop_connection in (self._reader, self._writer, self._transactions):
            if loop_connection is not None:
                loop_connection.close()
        self._reader = self._writer = self._transactions = None
        await super().close()


client_class = ImmediateSqliteClient
