"""Staff tasks by shift, training material and busy hours (A8)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from models.accounts import Account as AccountModel
from models.tasks import StaffTask as StaffTaskModel, TrainingMaterial as TrainingMaterialModel
from resolvers import tasks
from schema.accounts import Account
from schema.enums import MaterialKind, Shift
from schema.errors import result
from schema.files import Download, download
from schema.ids import Absent, decode_id, optional_pk_of
from schema.operations import field, mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile

TRAINING_FILE = "training.file"


async def _account(info: Info, pk: int | None) -> Account | None:
    if pk is None:
        return None
    found = await info.context.loaders.rows(AccountModel).load(pk)
    return Account.from_model(found) if found else None


@strawberry.type(description="Something to do in one shift of one day.")
class StaffTask(relay.Node):
    id: relay.NodeID[int]
    title: str
    description: str
    date: date
    shift: Shift
    done: bool
    completed_at: datetime | None
    completion_note: str | None
    created_at: datetime
    assignee_pk: strawberry.Private[int | None]
    completed_by_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: StaffTaskModel) -> StaffTask:
        return cls(
            id=row.id,
            title=row.title,
            description=row.description,
            date=row.date,
            shift=row.shift,
            done=row.completed_at is not None,
            completed_at=row.completed_at,
            completion_note=row.completion_note,
            created_at=row.created_at,
            assignee_pk=row.assignee_id,
            completed_by_pk=row.completed_by_id,
        )

    @field(description="Who the task is for; null: whoever works the shift.")
    async def assignee(self, info: Info) -> Account | None:
        return await _account(info, self.assignee_pk)

    @strawberry.field
    async def completed_by(self, info: Info) -> Account | None:
        return await _account(info, self.completed_by_pk)


@strawberry.type
class StaffTaskConnection(Connection[StaffTask]):
    pass


@strawberry.type(description="A link or a file for staff to learn from.")
class TrainingMaterial(relay.Node):
    id: relay.NodeID[int]
    title: str
    description: str
    kind: MaterialKind
    url: str | None = strawberry.field(description="The link (LINK).")
    filename: str | None
    content_type: str | None
    size_bytes: int | None
    created_at: datetime
    store_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: TrainingMaterialModel) -> TrainingMaterial:
        return cls(
            id=row.id,
            title=row.title,
            description=row.description,
            kind=row.kind,
            url=row.url,
            filename=row.filename,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            created_at=row.created_at,
            store_pk=row.store_id,
        )

    @field(description="A signed link to the file (FILE), valid for minutes.")
    def file(self, info: Info) -> Download | None:
        if self.kind != MaterialKind.FILE or self.filename is None:
            return None
        return download(
            info,
            kind=TRAINING_FILE,
            object_id=self.id,
            store_id=self.store_pk,
            filename=self.filename,
            content_type=self.content_type or "application/octet-stream",
        )


@strawberry.type
class TrainingMaterialConnection(Connection[TrainingMaterial]):
    pass


@strawberry.type
class HourLoad:
    hour: int = strawberry.field(description="0-23, in the store's time zone.")
    orders: int = strawberry.field(description="Orders in that hour over the whole period.")
    per_day: float
    busy: bool = strawberry.field(description="At least 1.5 times the average busy hour.")


@strawberry.type(description="How many hands a shift's busiest hour asks for.")
class ShiftAdvice:
    shift: Shift
    peak_hour: int | None
    peak_per_day: float
    suggested_hands: int
    assigned_hands: int = strawberry.field(description="Staff with a task in that shift.")
    extra_hands: int = strawberry.field(description="Suggested less assigned, at least 0.")


@strawberry.type(description="Orders by hour of the day, and where to add hands.")
class BusyHours:
    since: date
    until: date
    hours: list[HourLoad]
    shifts: list[ShiftAdvice]

    @classmethod
    def from_domain(cls, found: tasks.BusyHours) -> BusyHours:
        return cls(
            since=found.since,
            until=found.until,
            hours=[
                HourLoad(hour=h.hour, orders=h.orders, per_day=h.per_day, busy=h.busy)
                for h in found.hours
            ],
            shifts=[
                ShiftAdvice(
                    shift=s.shift,
                    peak_hour=s.peak_hour,
                    peak_per_day=s.peak_per_day,
                    suggested_hands=s.suggested_hands,
                    assigned_hands=s.assigned_hands,
                    extra_hands=s.extra_hands,
                )
                for s in found.shifts
            ],
        )


@strawberry.input
class StaffTaskFilter:
    date: date | None = strawberry.field(default=None, description="Today by default.")
    shift: Shift | None = None
    assignee_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A staff member's account."
    )
    done: bool | None = None


@strawberry.input
class CreateStaffTaskInput:
    store_id: relay.GlobalID
    title: str
    date: date
    shift: Shift
    description: str = ""
    assignee_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A StaffMember of the store; null: whoever works the shift."
    )


@strawberry.input
class CompleteStaffTaskInput:
    task_id: relay.GlobalID
    note: str | None = None


@strawberry.input
class TrainingFileInput:
    filename: str
    content_type: str
    content_base64: str


@strawberry.input(description="A link or a file: exactly one of them.")
class CreateTrainingMaterialInput:
    store_id: relay.GlobalID
    title: str
    description: str = ""
    url: str | None = None
    file: TrainingFileInput | None = None


@strawberry.type
class StaffTaskSuccess:
    task: StaffTask


@strawberry.type
class TrainingMaterialSuccess:
    material: TrainingMaterial


CreateStaffTaskResult = result(
    "CreateStaffTaskResult", StaffTaskSuccess, errors.InvalidInput, errors.NotFound
)
CompleteStaffTaskResult = result(
    "CompleteStaffTaskResult",
    StaffTaskSuccess,
    tasks.TaskAlreadyCompleted,
    tasks.TaskAssignedToAnother,
    errors.InvalidInput,
    errors.NotFound,
)
CreateTrainingMaterialResult = result(
    "CreateTrainingMaterialResult",
    TrainingMaterialSuccess,
    tasks.FileTooLarge,
    errors.InvalidInput,
    errors.NotFound,
)


@strawberry.type
class Mutation:
    @mutation(
        "tasks.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=CreateStaffTaskResult,
    )
    async def create_staff_task(self, info: Info, input: CreateStaffTaskInput) -> StaffTaskSuccess:
        task = await tasks.create_task(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            title=input.title,
            day=input.date,
            shift=input.shift,
            description=input.description,
            assignee_membership_id=optional_pk_of(
                input.assignee_id, "StaffMember", field="assigneeId"
            ),
        )
        return StaffTaskSuccess(task=StaffTask.from_model(task))

    @mutation(
        "tasks.complete",
        store=owner_store_of("input.task_id", StaffTaskModel, "StaffTask"),
        absent="task",
        result=CompleteStaffTaskResult,
    )
    async def complete_staff_task(
        self, info: Info, input: CompleteStaffTaskInput
    ) -> StaffTaskSuccess:
        task = await tasks.complete_task(
            info.context, task_id=decode_id(input.task_id, "StaffTask"), note=input.note
        )
        return StaffTaskSuccess(task=StaffTask.from_model(task))

    @mutation(
        "training.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=CreateTrainingMaterialResult,
    )
    async def create_training_material(
        self, info: Info, input: CreateTrainingMaterialInput
    ) -> TrainingMaterialSuccess:
        upload = None
        if input.file is not None:
            upload = tasks.Upload(
                filename=input.file.filename,
                content_type=input.file.content_type,
                content_base64=input.file.content_base64,
            )
        material = await tasks.create_material(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            title=input.title,
            description=input.description,
            url=input.url,
            upload=upload,
        )
        return TrainingMaterialSuccess(material=TrainingMaterial.from_model(material))


def _account_filter(value: relay.GlobalID | None) -> int | None:
    if value is None:
        return None
    try:
        return decode_id(value, "Account")
    except Absent as exc:
        raise errors.BadUserInput(
            "assigneeId is not an account id.", field="filter.assigneeId"
        ) from exc


@strawberry.type
class StoreTasks(StoreProfile):
    @query("tasks.read", store=source_store(), description="A day's tasks (today by default).")
    async def staff_tasks(
        self,
        info: Info,
        filter: StaffTaskFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> StaffTaskConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        where = filter or StaffTaskFilter()
        kept = tasks.TaskFilter(
            day=where.date,
            shift=where.shift,
            assignee_account_id=_account_filter(where.assignee_id),
            done=where.done,
        )
        rows = await tasks.tasks_page(
            self.id, kept, size=size, after_id=cursor[0] if cursor else None
        )
        return connection(
            StaffTaskConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=StaffTask.from_model,
            has_previous=cursor is not None,
            total=lambda: tasks.tasks_count(self.id, kept),
        )

    @query("tasks.read", store=source_store(), description="Newest first.")
    async def training_materials(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> TrainingMaterialConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = await tasks.materials_page(
            self.id, size=size, before_id=cursor[0] if cursor else None
        )
        return connection(
            TrainingMaterialConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=TrainingMaterial.from_model,
            has_previous=cursor is not None,
            total=TrainingMaterialModel.filter(store_id=self.id).count,
        )

    @query(
        "analytics.patterns",
        store=source_store(),
        description="Orders by hour over the last days, and the hands each shift asks for.",
    )
    async def busy_hours(
        self,
        info: Info,
        days: int = 28,
        orders_per_hand: int = 12,
        date: date | None = None,
    ) -> BusyHours:
        found = await tasks.busy_hours(
            self.id, days=days, orders_per_hand=orders_per_hand, day=date
        )
        return BusyHours.from_domain(found)
