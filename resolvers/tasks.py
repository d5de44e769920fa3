"""Staff tasks by shift, training material, and busy hours that ask for more hands (A8).

Owners and managers post tasks for a day's shift (to one staff member or to whoever
works it) and training material (links, or files kept in the database); staff mark
their tasks done. Busy hours come from the store's orders by hour of its day.

Uploaded files live in the database (``training_file``), not on disk: they are small
(``DANGOL_TRAINING_FILE_MAX_BYTES``, 5 MiB by default), they commit or roll back with
their material, every server process and host sees them without a shared disk, and
backups hold them. They are served only through signed download links.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from tortoise.queryset import QuerySet

from core.context import Context
from core.database import write_transaction
from core.errors import InvalidInput, NotFound, UserError
from models.orders import Order, OrderStatus
from models.stores import Membership, Store
from models.tasks import MaterialKind, Shift, StaffTask, TrainingFile, TrainingMaterial

MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_NOTE = 500
MAX_FILENAME = 200
TASK_DAYS_AHEAD = 366
# Hours of the store's day in each shift: [start, end).
SHIFT_HOURS: dict[Shift, tuple[int, ...]] = {
    Shift.MORNING: tuple(range(6, 11)),
    Shift.LUNCH: tuple(range(11, 14)),
    Shift.AFTERNOON: tuple(range(14, 17)),
    Shift.EVENING: tuple(range(17, 22)),
    Shift.NIGHT: (22, 23, 0, 1, 2, 3, 4, 5),
}
FILE_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "video/mp4",
        "text/plain",
        "text/csv",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)
UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


class TaskAlreadyCompleted(UserError):
    code = "TASK_ALREADY_COMPLETED"
    completed_at: datetime | None


class TaskAssignedToAnother(UserError):
    """The task is someone else's; managers (tasks.manage) may complete it for them."""

    code = "TASK_ASSIGNED_TO_ANOTHER"


class FileTooLarge(UserError):
    code = "FILE_TOO_LARGE"
    max_bytes: int | None


def shift_of(hour: int) -> Shift:
    return next(shift for shift, hours in SHIFT_HOURS.items() if hour in hours)


def _text(value: str, *, field: str, limit: int, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{field} is needed.", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{field} has at most {limit} characters.", field=field)
    return value


async def _today(store_id: int, now: datetime | None = None) -> date:
    zones = await Store.filter(id=store_id).values_list("time_zone", flat=True)
    zone = ZoneInfo(str(zones[0]) if zones else "Asia/Seoul")
    return (now or datetime.now(UTC)).astimezone(zone).date()


# -- tasks ---------------------------------------------------------------------------------


async def create_task(
    ctx: Context,
    *,
    store_id: int,
    title: str,
    day: date,
    shift: Shift,
    description: str = "",
    assignee_membership_id: int | None = None,
) -> StaffTask:
    values: dict[str, Any] = {
        "title": _text(title, field="title", limit=MAX_TITLE, required=True),
        "description": _text(description, field="description", limit=MAX_DESCRIPTION),
    }
    today = await _today(store_id)
    if not today - timedelta(days=1) <= day <= today + timedelta(days=TASK_DAYS_AHEAD):
        raise InvalidInput("A task is for a day from yesterday to a year ahead.", field="date")
    assignee = None
    if assignee_membership_id is not None:
        found = await Membership.filter(
            id=assignee_membership_id, store_id=store_id, is_active=True
        ).values("account_id")
        if not found:
            raise NotFound("No such staff member in this store.", field="assignee_id")
        assignee = int(found[0]["account_id"])
    principal = await ctx.principal()
    async with write_transaction():
        return await StaffTask.create(
            store_id=store_id,
            date=day,
            shift=shift,
            assignee_id=assignee,
            created_by_id=principal.account_id,
            **values,
        )


async def complete_task(ctx: Context, *, task_id: int, note: str | None = None) -> StaffTask:
    """Staff mark their own tasks (or their shift's unassigned ones) done; managers any."""
    note = None if note is None else _text(note, field="note", limit=MAX_NOTE)
    principal = await ctx.principal()
    now = datetime.now(UTC)
    async with write_transaction():
        task = await StaffTask.get_or_none(id=task_id)
        if task is None:
            raise NotFound("No such task.", field="task_id")
        if task.assignee_id is not None and task.assignee_id != principal.account_id:
            policy = await ctx.current_policy()
            if not policy.allows(principal, "tasks.manage", task.store_id):
                raise TaskAssignedToAnother("This task is another staff member's.", field="task_id")
        done = await StaffTask.filter(id=task_id, completed_at=None).update(
            completed_at=now, completed_by_id=principal.account_id, completion_note=note
        )
        if not done:
            raise TaskAlreadyCompleted(
                "This task is done already.", field="task_id", completed_at=task.completed_at
            )
    return await StaffTask.get(id=task_id)


@dataclass(frozen=True)
class TaskFilter:
    day: date | None = None
    shift: Shift | None = None
    assignee_account_id: int | None = None
    done: bool | None = None


async def _tasks_query(store_id: int, where: TaskFilter) -> QuerySet[StaffTask]:
    query = StaffTask.filter(store_id=store_id, date=where.day or await _today(store_id))
    if where.shift is not None:
        query = query.filter(shift=where.shift)
    if where.assignee_account_id is not None:
        query = query.filter(assignee_id=where.assignee_account_id)
    if where.done is not None:
        query = query.filter(completed_at__isnull=not where.done)
    return query


async def tasks_count(store_id: int, where: TaskFilter) -> int:
    return await (await _tasks_query(store_id, where)).count()


async def tasks_page(
    store_id: int, where: TaskFilter, *, size: int, after_id: int | None
) -> list[StaffTask]:
    """The store's tasks (a day's, by default today's), oldest first; one more than ``size``."""
    query = await _tasks_query(store_id, where)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(size + 1)


# -- training material ---------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content_base64: str


def _link(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise InvalidInput("A link is an http or https URL.", field="url")
    return url


def _file(ctx: Context, upload: Upload) -> tuple[str, str, bytes]:
    name = UNSAFE_FILENAME.sub("_", upload.filename.strip()).strip(". ")
    if not name or len(name) > MAX_FILENAME:
        raise InvalidInput(f"A file name of 1 to {MAX_FILENAME} characters.", field="file.filename")
    content_type = upload.content_type.strip().lower()
    if content_type not in FILE_TYPES:
        raise InvalidInput(
            "Files are PDF, images, MP4, text, CSV or Office documents.",
            field="file.content_type",
        )
    limit = ctx.settings.training_file_max_bytes
    if len(upload.content_base64) > (limit // 3 + 1) * 4 + 4:
        raise FileTooLarge(
            f"A file has at most {limit} bytes.", field="file.content_base64", max_bytes=limit
        )
    try:
        content = base64.b64decode(upload.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("contentBase64 is not base64.", field="file.content_base64") from exc
    if not content:
        raise InvalidInput("The file is empty.", field="file.content_base64")
    if len(content) > limit:
        raise FileTooLarge(
            f"A file has at most {limit} bytes.", field="file.content_base64", max_bytes=limit
        )
    return name, content_type, content


async def create_material(
    ctx: Context,
    *,
    store_id: int,
    title: str,
    description: str = "",
    url: str | None = None,
    upload: Upload | None = None,
) -> TrainingMaterial:
    """A link or an uploaded file (exactly one of them)."""
    values: dict[str, Any] = {
        "title": _text(title, field="title", limit=MAX_TITLE, required=True),
        "description": _text(description, field="description", limit=MAX_DESCRIPTION),
    }
    if (url is None) == (upload is None):
        raise InvalidInput("Give a link or a file (one of them).", field="url")
    content = None
    if url is not None:
        values.update(kind=MaterialKind.LINK, url=_link(url))
    elif upload is not None:
        name, content_type, content = _file(ctx, upload)
        values.update(
            kind=MaterialKind.FILE,
            filename=name,
            content_type=content_type,
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
    principal = await ctx.principal()
    async with write_transaction():
        material = await TrainingMaterial.create(
            store_id=store_id, created_by_id=principal.account_id, **values
        )
        if content is not None:
            await TrainingFile.create(material_id=material.id, content=content)
    return material


async def materials_page(
    store_id: int, *, size: int, before_id: int | None
) -> list[TrainingMaterial]:
    """Newest first; one more than ``size``."""
    query = TrainingMaterial.filter(store_id=store_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)


@dataclass(frozen=True)
class StoredFile:
    content: bytes
    filename: str
    content_type: str


async def training_file(store_id: int, material_id: int) -> StoredFile | None:
    """The file of a material of that store (for its signed download link), or None."""
    material = await TrainingMaterial.get_or_none(
        id=material_id, store_id=store_id, kind=MaterialKind.FILE
    )
    if material is None:
        return None
    stored = await TrainingFile.get_or_none(material_id=material_id)
    if stored is None:
        return None
    return StoredFile(
        bytes(stored.content), material.filename or "file", material.content_type or ""
    )


# -- busy hours ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HourLoad:
    hour: int
    orders: int
    per_day: float
    busy: bool


@dataclass(frozen=True)
class ShiftAdvice:
    shift: Shift
    peak_hour: int | None
    peak_per_day: float
    suggested_hands: int
    assigned_hands: int

    @property
    def extra_hands(self) -> int:
        return max(self.suggested_hands - self.assigned_hands, 0)


@dataclass(frozen=True)
class BusyHours:
    since: date
    until: date
    hours: list[HourLoad]
    shifts: list[ShiftAdvice]


async def busy_hours(
    store_id: int,
    *,
    days: int = 28,
    orders_per_hand: int = 12,
    day: date | None = None,
    now: datetime | None = None,
) -> BusyHours:
    """Orders by hour of the store's day over the last ``days`` days, and per shift of ``day``
    the hands its busiest hour asks for (``orders_per_hand`` orders an hour each) against
    the staff given tasks in that shift."""
    if not 1 <= days <= 365:
        raise InvalidInput("days is between 1 and 365.", field="days")
    if not 1 <= orders_per_hand <= 1000:
        raise InvalidInput("ordersPerHand is between 1 and 1000.", field="orders_per_hand")
    zones = await Store.filter(id=store_id).values_list("time_zone", flat=True)
    zone = ZoneInfo(str(zones[0]) if zones else "Asia/Seoul")
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    since = today - timedelta(days=days)
    start = datetime.combine(since, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(today, datetime.min.time(), zone).astimezone(UTC)
    rows = (
        await Order.filter(store_id=store_id, created_at__gte=start, created_at__lt=end)
        .exclude(status=OrderStatus.CANCELLED)
        .values("created_at")
    )
    counts = Counter(row["created_at"].astimezone(zone).hour for row in rows)
    active = [count / days for count in counts.values() if count]
    mean = sum(active) / len(active) if active else 0.0
    hours = [
        HourLoad(
            hour=hour,
            orders=counts[hour],
            per_day=round(counts[hour] / days, 2),
            busy=bool(counts[hour]) and counts[hour] / days >= 1.5 * mean,
        )
        for hour in range(24)
    ]
    assigned = await _assigned_hands(store_id, day or today)
    shifts = []
    for shift, shift_hours in SHIFT_HOURS.items():
        loads = [hours[hour] for hour in shift_hours]
        peak = max(loads, key=lambda load: load.per_day)
        shifts.append(
            ShiftAdvice(
                shift=shift,
                peak_hour=peak.hour if peak.orders else None,
                peak_per_day=peak.per_day,
                suggested_hands=math.ceil(peak.per_day / orders_per_hand),
                assigned_hands=assigned.get(shift, 0),
            )
        )
    return BusyHours(since=since, until=today - timedelta(days=1), hours=hours, shifts=shifts)


async def _assigned_hands(store_id: int, day: date) -> dict[Shift, int]:
    rows = (
        await StaffTask.filter(store_id=store_id, date=day, assignee_id__isnull=False)
        .distinct()
        .values_list("shift", "assignee_id")
    )
    hands: Counter[Shift] = Counter(Shift(shift) for shift, _ in rows)
    return dict(hands)
