"""Idempotency keys for mutations: the first answer is kept and replayed to every retry.

The record is inserted first inside the mutation's transaction, so racing
duplicates meet at its unique constraint: one executes, the others wait for it
(PostgreSQL) or run after it (SQLite), fail to insert, and replay its answer.
A mutation that fails with a ``UserError`` rolls its record back with it, so a
retry executes again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError

from core.database import write_transaction
from core.errors import IdempotencyKeyReused, InvalidInput
from models.idempotency import IdempotencyRecord

MAX_KEY_LENGTH = 100
Result = dict[str, Any]


def digest(request: dict[str, Any]) -> str:
    text = json.dumps(request, separators=(",", ":"), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters.", field="idempotency_key"
        )


async def _replay(store_id: int, operation: str, key: str, request_digest: str) -> Result | None:
    found = await IdempotencyRecord.filter(store_id=store_id, operation=operation, key=key).values(
        "request_digest", "result"
    )
    if not found:
        return None
    if found[0]["request_digest"] != request_digest:
        raise IdempotencyKeyReused(
            "This idempotency key was used for a different request.", field="idempotency_key"
        )
    result = found[0]["result"]
    answer: dict[str, Any] = json.loads(result) if isinstance(result, str) else result
    return answer


async def run_once(
    *,
    store_id: int,
    operation: str,
    key: str,
    request: dict[str, Any],
    execute: Callable[[], Awaitable[Result]],
) -> Result:
    """Run ``execute`` in a write transaction once per (store, operation, key);
    replay its result."""
    check_key(key)
    request_digest = digest(request)
    replayed = await _replay(store_id, operation, key, request_digest)
    if replayed is not None:
        return replayed
    try:
        async with write_transaction():
            record = await IdempotencyRecord.create(
                store_id=store_id, operation=operation, key=key, request_digest=request_digest
            )
            result = await execute()
            await IdempotencyRecord.filter(id=record.id).update(result=result)
            return result
    except IntegrityError:
        replayed = await _replay(store_id, operation, key, request_digest)
        if replayed is None:
            raise
        return replayed


async def run(
    *,
    store_id: int,
    operation: str,
    key: str | None,
    request: dict[str, Any],
    execute: Callable[[], Awaitable[Result]],
) -> Result:
    """``run_once`` under a client's key; without a key (jobs, the command line, the domain's own
    callers) ``execute`` simply runs in a write transaction."""
    if key is None:
        async with write_transaction():
            return await execute()
    return await run_once(
        store_id=store_id, operation=operation, key=key, request=request, execute=execute
    )
