"""Jobs under leases: one run at a time across schedulers,
takeover after a lease expires, intervals."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.jobs import Job, Scheduler, acquire_lease, default_jobs, resolve
from core.settings import Settings
from models.jobs import JobLease
from resolvers.outbox import enqueue

pytestmark = pytest.mark.usefixtures("app")


class Body:
    """A job body that records its runs and, when asked, waits to be let go."""

    def __init__(self, *, hold: bool = False) -> None:
        self.runs: list[datetime] = []
        self.started = asyncio.Event()
        self.finish = asyncio.Event()
        if not hold:
            self.finish.set()

    async def __call__(self, now: datetime) -> int:
        self.runs.append(now)
        self.started.set()
        await asyncio.wait_for(self.finish.wait(), timeout=30)
        return len(self.runs)


async def test_a_job_held_by_one_scheduler_does_not_run_in_another() -> None:
    # given
    body = Body(hold=True)
    job = Job("test.hold", body, interval_seconds=1)
    first, second = Scheduler([job], holder="first"), Scheduler([job], holder="second")
    now = datetime.now(UTC)

    # when the second tries while the first runs the job
    running = asyncio.create_task(first.run_once(now))
    await asyncio.wait_for(body.started.wait(), timeout=10)
    meanwhile = await second.run_once(now)
    body.finish.set()
    done = await running

    # then
    assert meanwhile == {} and done == {"test.hold": 1}
    assert len(body.runs) == 1
    lease = await JobLease.get(name="test.hold")
    assert lease.holder == "first" and lease.lease_until is None and lease.last_run_at == now


async def test_racing_schedulers_run_a_due_job_once() -> None:
    # given
    body = Body()
    job = Job("test.race", body, interval_seconds=60)
    schedulers = [Scheduler([job], holder=f"holder-{n}") for n in range(4)]
    now = datetime.now(UTC)

    # when
    results = await asyncio.gather(*(s.run_once(now) for s in schedulers))

    # then
    assert len(body.runs) == 1
    assert sum(1 for result in results if result) == 1
    assert await JobLease.filter(name="test.race").count() == 1


async def test_racing_acquirers_of_a_new_lease_get_it_once() -> None:
    now = datetime.now(UTC)

    taken = await asyncio.gather(
        *(
            acquire_lease("test.new", holder=f"h{n}", now=now, lease=timedelta(minutes=5))
            for n in range(6)
        )
    )

    assert sorted(taken) == [False] * 5 + [True]


async def test_an_expired_lease_is_taken_over_by_another_holder() -> None:
    # given a holder that took the lease and never came back
    body = Body()
    job = Job("test.expiry", body, interval_seconds=1, lease_seconds=120)
    now = datetime.now(UTC)
    assert await acquire_lease(job.name, holder="crashed", now=now, lease=timedelta(seconds=120))
    survivor = Scheduler([job], holder="survivor")

    # when
    while_leased = await survivor.run_once(now + timedelta(seconds=60))
    after_expiry = await survivor.run_once(now + timedelta(seconds=121))

    # then
    assert while_leased == {} and after_expiry == {"test.expiry": 1}
    assert (await JobLease.get(name=job.name)).holder == "survivor"


async def test_a_job_runs_again_only_once_its_interval_has_passed() -> None:
    # given
    body = Body()
    job = Job("test.interval", body, interval_seconds=3600)
    one, other = Scheduler([job], holder="one"), Scheduler([job], holder="other")
    start = datetime.now(UTC)

    # when
    await one.run_once(start)
    await other.run_once(start + timedelta(minutes=30))
    await other.run_once(start + timedelta(minutes=60))

    # then
    assert body.runs == [start, start + timedelta(minutes=60)]


async def test_a_failing_job_releases_its_lease() -> None:
    # given
    async def broken(now: datetime) -> int:
        raise RuntimeError("boom")

    job = Job("test.broken", broken, interval_seconds=1)
    scheduler = Scheduler([job], holder="me")
    now = datetime.now(UTC)

    # when
    result = await scheduler.run_once(now)

    # then
    assert result == {"test.broken": None}
    lease = await JobLease.get(name="test.broken")
    assert lease.lease_until is None and lease.last_run_at == now


async def test_jobs_named_by_path_are_resolved_lazily_and_skipped_while_missing() -> None:
    missing = Job("test.missing", "resolvers.not_written_yet:run", interval_seconds=1)
    also_missing = Job("test.missing_function", "resolvers.outbox:not_there", interval_seconds=1)

    results = await Scheduler([missing, also_missing]).run_once()

    assert results == {}
    expected: object = enqueue  # any function: resolve() does not check its signature
    assert resolve("resolvers.outbox:enqueue") is expected
    assert resolve("resolvers.outbox.enqueue") is expected
    assert not await JobLease.exists(name="test.missing")


async def test_the_default_jobs_are_the_outbox_messages_point_expiry_tier_evaluation_and_more(
    settings: Settings,
) -> None:
    jobs = {job.name: job for job in default_jobs(settings)}

    assert set(jobs) == {
        "outbox.deliver",
        "outbox.prune",
        "throttling.prune",
        "messages.run",
        "messages.automations",
        "points.expire",
        "points.warn_expiring",
        "tiers.evaluate",
        "settlements.close_months",
        "analytics.ledger",
        "analytics.insights",
        "database.statistics",
    }
    assert jobs["outbox.deliver"].interval_seconds == settings.outbox_interval_seconds
    assert jobs["tiers.evaluate"].target == "resolvers.tiers.standing:evaluate_tiers"


async def test_a_started_scheduler_runs_its_jobs_and_stops() -> None:
    # given
    body = Body()
    scheduler = Scheduler([Job("test.loop", body, interval_seconds=0.1)], max_sleep_seconds=0.1)

    # when
    scheduler.start()
    for _ in range(200):
        if len(body.runs) >= 2:
            break
        await asyncio.sleep(0.05)
    await scheduler.stop()
    runs: Any = len(body.runs)

    # then
    assert runs >= 2
    await asyncio.sleep(0.2)
    assert len(body.runs) == runs


async def test_every_default_job_exists_and_runs_once_on_the_demo_data(settings: Settings) -> None:
    # given
    jobs = default_jobs(settings)
    available = {job.name for job in jobs if resolve(job.target) is not None}

    # when
    results = await Scheduler(jobs).run_once()

    # then every job's code exists, and each ran and answered a count
    assert available == {job.name for job in jobs}
    assert set(results) == available
    assert all(isinstance(count, int) for count in results.values()), results
