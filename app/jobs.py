"""Scheduled jobs: named functions run every N seconds, each run under a lease in the database.

A job runs when its lease is free (or already ours) and its interval has passed since
its last run by anyone, so with several processes (``serve`` workers, ``worker``) a
job runs in one of them at a time and about once per interval overall. A job is a
callable taking the time of the run, or a dotted path to one (``module:function``)
resolved at each run, so a job whose code has not landed yet is skipped with a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from core.auth import API_KEY_WINDOW_SECONDS
from core.context import Context
from core.database import refresh_statistics
from core.messaging import provider_for
from core.senders import build_senders
from core.services import Services
from core.settings import Settings
from models.jobs import JobLease
from policies.enforcement import Principal
from resolvers import retention
from resolvers.analytics import insights
from resolvers.messages import automations as message_automations, campaigns, delivery
from resolvers.outbox import DeliveryPolicy, deliver_due
from resolvers.webhooks import register_senders
from schema.webhooks import render_event

logger = logging.getLogger("dangol.jobs")

JobFunction = Callable[[datetime], Awaitable[Any]]
ANALYTICS_INTERVAL = 3600.0  # points ledger rollup of closed days; insights and KPI alerts


@dataclass(frozen=True)
class Job:
    name: str
    target: str | JobFunction
    interval_seconds: float
    lease_seconds: float = 600.0

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=self.interval_seconds)


def resolve(target: str | JobFunction) -> JobFunction | None:
    """The function behind ``target``; None while its module or function does not exist."""
    if not isinstance(target, str):
        return target
    module_name, _, attribute = target.partition(":") if ":" in target else target.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            return None
        raise
    function = getattr(module, attribute, None)
    return function if callable(function) else None


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def acquire_lease(
    name: str, *, holder: str, now: datetime, lease: timedelta, interval: timedelta | None = None
) -> bool:
    """Take the job's lease if it is free or ours, and (with ``interval``) the job is due."""
    now = now.astimezone(UTC)
    free = Q(lease_until=None) | Q(lease_until__lt=now) | Q(holder=holder)
    due = Q()
    if interval is not None:
        slack = min(timedelta(seconds=1), interval / 10)
        due = Q(last_run_at=None) | Q(last_run_at__lte=now - interval + slack)

    async def take() -> bool:
        taken = await JobLease.filter(free, due, name=name).update(
            holder=holder, lease_until=now + lease
        )
        return taken == 1

    if await take():
        return True
    if await JobLease.exists(name=name):
        return False
    with contextlib.suppress(IntegrityError):
        await JobLease.create(name=name)
    return await take()


async def renew_lease(name: str, *, holder: str, until: datetime) -> bool:
    return await JobLease.filter(name=name, holder=holder).update(lease_until=until) == 1


async def release_lease(name: str, *, holder: str, ran_at: datetime) -> None:
    await JobLease.filter(name=name, holder=holder).update(
        lease_until=None, last_run_at=ran_at.astimezone(UTC)
    )


class Scheduler:
    """Runs jobs in this process until stopped; ``run_once`` runs each job that is due now."""

    def __init__(
        self, jobs: list[Job], *, holder: str | None = None, max_sleep_seconds: float = 30.0
    ):
        self.jobs = {job.name: job for job in jobs}
        self.holder = holder or default_holder()
        self.max_sleep_seconds = max_sleep_seconds
        self._next_try: dict[str, datetime] = {}
        self._missing: set[str] = set()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self, now: datetime | None = None) -> dict[str, Any]:
        """Run every job that is due at ``now`` and whose lease we get; their results by name."""
        now = now or datetime.now(UTC)
        results: dict[str, Any] = {}
        for job in self.jobs.values():
            ran, result = await self.run_job(job, now)
            if ran:
                results[job.name] = result
        return results

    async def run_job(self, job: Job, now: datetime) -> tuple[bool, Any]:
        try:
            function = resolve(job.target)
        except Exception:
            logger.exception("job %s skipped: %s cannot be imported", job.name, job.target)
            return False, None
        if function is None:
            if job.name not in self._missing:
                logger.warning("job %s skipped: %s does not exist yet", job.name, job.target)
                self._missing.add(job.name)
            return False, None
        self._missing.discard(job.name)
        lease = timedelta(seconds=job.lease_seconds)
        if not await acquire_lease(
            job.name, holder=self.holder, now=now, lease=lease, interval=job.interval
        ):
            return False, None
        renewal = asyncio.create_task(self._keep_lease(job.name, lease))
        try:
            result = await function(now)
            logger.log(
                logging.INFO if result else logging.DEBUG, "job %s ran: %s", job.name, result
            )
            return True, result
        except Exception:
            logger.exception("job %s failed", job.name)
            return True, None
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
            await release_lease(job.name, holder=self.holder, ran_at=now)

    async def _keep_lease(self, name: str, lease: timedelta) -> None:
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            try:
                await renew_lease(name, holder=self.holder, until=datetime.now(UTC) + lease)
            except Exception:
                logger.exception("could not renew the lease of job %s", name)

    async def run_forever(self) -> None:
        while not self._stop.is_set():
            now = datetime.now(UTC)
            for job in self.jobs.values():
                if self._stop.is_set():
                    break
                if self._next_try.get(job.name, now) > now:
                    continue
                self._next_try[job.name] = now + job.interval
                try:
                    await self.run_job(job, now)
                except Exception:
                    logger.exception("job %s could not be scheduled", job.name)
            wake = min(
                self._next_try.values(), default=now + timedelta(seconds=self.max_sleep_seconds)
            )
            delay = (wake - datetime.now(UTC)).total_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._stop.wait(), timeout=min(max(delay, 0.05), self.max_sleep_seconds)
                )

    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self.run_forever(), name="dangol-scheduler")

    async def stop(self, timeout_seconds: float = 10.0) -> None:
        """Let a running job finish (up to the timeout, then cancel it) and stop."""
        self._stop.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=timeout_seconds)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def default_jobs(settings: Settings) -> list[Job]:
    senders = build_senders(settings)
    register_senders(senders, settings, render_event)
    provider = provider_for(settings)
    delivery.register_channels(senders, provider, settings)
    system = Context.for_principal(Services.create(settings), Principal())
    policy = DeliveryPolicy(
        batch_size=settings.outbox_batch_size,
        max_attempts=settings.outbox_max_attempts,
        backoff_seconds=settings.outbox_backoff_seconds,
        lease_seconds=settings.outbox_lease_seconds,
    )

    async def deliver_outbox(now: datetime) -> int:
        delivered = await deliver_due(senders, policy, now)
        # Events fanned out just now queued their webhook deliveries: send those in this run.
        return delivered + await deliver_due(senders, policy, now)

    async def run_messages(now: datetime) -> int:
        """Campaigns due queued, delivery reports settled, campaigns finished: how many moved."""
        dispatched = await campaigns.dispatch_due(system, now)
        reported = await delivery.poll_reports(provider, now)
        return dispatched + reported + await campaigns.finish_sent(system, now)

    async def run_automations(now: datetime) -> int:
        return await message_automations.run_periodic(system, now)

    expiry = settings.points_expiry_interval_seconds

    async def prune_outbox(now: datetime) -> int:
        keep = timedelta(days=settings.outbox_retention_days)
        return await retention.prune(now, keep, max_attempts=settings.outbox_max_attempts)

    longest_window = timedelta(
        seconds=max(
            settings.login_window_seconds, settings.lookup_window_seconds, API_KEY_WINDOW_SECONDS
        )
    )

    async def prune_counters(now: datetime) -> int:
        return await retention.prune_counters(now, longest_window)

    async def refresh_insights(now: datetime) -> int:
        return await insights.run(system, now)

    async def refresh_planner_statistics(now: datetime) -> int:
        return int(await refresh_statistics())

    return [
        Job(
            "outbox.deliver",
            deliver_outbox,
            settings.outbox_interval_seconds,
            lease_seconds=settings.outbox_lease_seconds,
        ),
        Job("outbox.prune", prune_outbox, 3600),
        Job("throttling.prune", prune_counters, 3600),
        Job("messages.run", run_messages, settings.messages_interval_seconds),
        Job("messages.automations", run_automations, settings.tier_evaluation_interval_seconds),
        Job("points.expire", "resolvers.points.expiry:expire_points", expiry),
        Job("points.warn_expiring", "resolvers.points.expiry:warn_expiring", expiry),
        Job(
            "tiers.evaluate",
            "resolvers.tiers.standing:evaluate_tiers",
            settings.tier_evaluation_interval_seconds,
        ),
        Job("settlements.close_months", "resolvers.settlements:close_months", 600),
        Job("analytics.ledger", "resolvers.analytics.rollups:roll_ledger", ANALYTICS_INTERVAL),
        Job("analytics.insights", refresh_insights, ANALYTICS_INTERVAL),
        # the data's shape changes slowly; SQLite's plans follow it only through its statistics
        Job("database.statistics", refresh_planner_statistics, 24 * 3600),
    ]
