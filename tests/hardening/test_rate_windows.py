"""Limits slide: what was counted just before a window turned still counts just after it."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from core.throttling import Usage
from models.accounts import Account
from models.api_keys import ApiKey
from models.throttling import RateCounter
from resolvers.retention import prune_counters
from tests.client import Api, error_code, gid
from tests.customers.helpers import STORE1

WINDOW = 100
LOTS = 1_000_000  # so that any share of the previous window, however small, is over the limit


def _later(usage: Usage, seconds: int) -> Usage:
    """The usage ``seconds`` later with nothing more counted: what a window's turn does."""
    now = usage.now + seconds
    turns = int(now // usage.window_seconds - usage.now // usage.window_seconds)
    current, previous = {
        0: (usage.current, usage.previous),
        1: (0, usage.current),
    }.get(turns, (0, 0))
    return Usage(current, previous, usage.window_seconds, now)


def test_the_previous_window_counts_by_the_share_still_covered_rounded_up() -> None:
    start = 1_000 * WINDOW
    assert Usage(2, 10, WINDOW, start).total == 12
    assert Usage(2, 10, WINDOW, start + 50).total == 7
    assert Usage(2, 10, WINDOW, start + 99.5).total == 3
    assert Usage(2, 10, WINDOW, start + WINDOW).total == 12  # the next window's start


def test_retry_after_is_the_first_whole_second_the_limit_lets_a_request_through() -> None:
    # for every state a limit refuses, within and across a window's turn
    states = itertools.product(range(0, 12), range(0, 12), (0, 1, 37.5, 90, 99.9), (1, 3, 5))
    refused = [
        (Usage(current, previous, WINDOW, 1_000 * WINDOW + elapsed), limit)
        for current, previous, elapsed, limit in states
        if Usage(current, previous, WINDOW, 1_000 * WINDOW + elapsed).total >= limit
    ]
    assert len(refused) > 100
    for usage, limit in refused:
        wait = usage.retry_after(limit)
        # then waiting that long is enough, and a second less is not
        assert _later(usage, wait).total < limit, (usage, limit, wait)
        assert wait == 1 or _later(usage, wait - 1).total >= limit, (usage, limit, wait)


async def _counted_before(bucket: str, window: int, count: int) -> None:
    """``count`` events of ``bucket`` in the window before the current one."""
    now = int(time.time())
    await RateCounter.create(bucket=bucket, window_start=now - now % window - window, count=count)


def _retry_after(body: dict[str, Any]) -> int:
    return body["errors"][0]["extensions"]["retryAfter"]


async def test_failed_sign_ins_before_the_turn_still_refuse_a_sign_in_after_it(
    api: Api, settings
) -> None:
    # given many failed sign-ins of an account in the previous window, none in this one
    window = settings.login_window_seconds
    await _counted_before("login:account:owner1@dangol.test", window, LOTS)
    # when the right password comes
    body = await api.gql(
        "mutation($i: LoginInput!) { login(input: $i) { __typename } }",
        {"i": {"email": "owner1@dangol.test", "password": "dangol-demo"}},
    )
    # then it is refused, until the previous window has slid out of reach
    assert error_code(body) == "RATE_LIMITED"
    assert 0 < _retry_after(body) <= window
    # and another account is not affected
    assert (await api.login("owner2@dangol.test"))["__typename"] == "SessionTokens"


async def test_misses_before_the_turn_still_refuse_a_lookup_after_it(api: Api, settings) -> None:
    # given a staff member whose lookups missed many times in the previous window
    staff = await Account.get(email="staff1@dangol.test")
    await _counted_before(f"lookup:account:{staff.id}", settings.lookup_window_seconds, LOTS)
    token = await api.token("staff1@dangol.test")
    # when they look a phone up
    body = await api.gql(
        'query($id: ID!) { store(id: $id) { customerByPhone(phone: "010-0000-0000") { id } } }',
        {"id": STORE1},
        token=token,
    )
    # then it is refused
    assert error_code(body) == "RATE_LIMITED"
    assert _retry_after(body) > 0


async def test_an_api_keys_requests_before_the_turn_still_count_after_it(api: Api) -> None:
    # given a key that made many requests in the previous minute
    owner = await api.token("owner1@dangol.test")
    created = await api.data(
        "mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { "
        "... on CreateApiKeySuccess { secret apiKey { id } } } }",
        {"input": {"storeId": gid("Store", 1), "name": "POS", "actions": ["store.read"]}},
        token=owner,
    )
    key = created["createApiKey"]
    newest = await ApiKey.all().order_by("-id").first()
    assert newest is not None
    await _counted_before(f"api_key:{newest.id}", 60, LOTS)
    # when it makes one more
    body = await api.gql(
        "query ($id: ID!) { store(id: $id) { name } }", {"id": gid("Store", 1)}, token=key["secret"]
    )
    # then it is refused, with a hint within the next two minutes
    assert error_code(body) == "RATE_LIMITED"
    assert 0 < _retry_after(body) <= 120


async def test_counters_no_limit_reads_any_more_are_pruned(app: object) -> None:
    # given counters of this window, of the one before, and of long ago
    now = datetime.now(UTC)
    window = 3600
    start = int(now.timestamp()) // window * window
    for bucket, window_start in [("now", start), ("before", start - window), ("old", 0)]:
        await RateCounter.create(bucket=bucket, window_start=window_start, count=1)
    # when
    removed = await prune_counters(now, timedelta(seconds=window))
    # then only the one no limit reads went
    assert removed == 1
    assert set(await RateCounter.all().values_list("bucket", flat=True)) == {"now", "before"}
