"""Staff tasks and training (A8): managers post, the whole staff reads and completes;
busy hours are for those who read order patterns (analytics.patterns, which partner keys
hold); partners have none of the rest."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from models.tasks import Shift, StaffTask
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)
from tests.client import gid

TASKS = "query($id: ID!) { store(id: $id) { id staffTasks { edges { node { id } } } } }"
MATERIALS = "query($id: ID!) { store(id: $id) { id trainingMaterials { edges { node { id } } } } }"
BUSY = "query($id: ID!) { store(id: $id) { id busyHours { hours { hour } } } }"
CREATE_TASK = """
mutation($input: CreateStaffTaskInput!) { createStaffTask(input: $input) { __typename } }
"""
COMPLETE_TASK = """
mutation($input: CompleteStaffTaskInput!) { completeStaffTask(input: $input) { __typename } }
"""
CREATE_MATERIAL = """
mutation($input: CreateTrainingMaterialInput!) {
  createTrainingMaterial(input: $input) { __typename }
}
"""


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _create_task(w: World, target: str) -> dict:
    return {
        "input": {
            "storeId": w.store(target),
            "title": w.unique("task"),
            "date": _today(),
            "shift": "MORNING",
        }
    }


async def _complete_task(w: World, target: str) -> dict:
    task = await StaffTask.create(
        store_id=w.store_id(target),
        title=w.unique("task"),
        date=datetime.now(UTC).date(),
        shift=Shift.MORNING,
    )
    return {"input": {"taskId": gid("StaffTask", task.id)}}


def _create_material(w: World, target: str) -> dict:
    return {
        "input": {
            "storeId": w.store(target),
            "title": w.unique("material"),
            "file": {
                "filename": "guide.txt",
                "contentType": "text/plain",
                "contentBase64": base64.b64encode(b"steam the milk").decode(),
            },
        }
    }


def _store(w: World, target: str) -> dict:
    return {"id": w.store(target)}


STAFF_TOO = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(OK, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)
MANAGERS: Expectations = {**STAFF_TOO, "staff": (FORBIDDEN, ABSENT)}
PATTERN_READERS: Expectations = {**MANAGERS, "partner": (OK, ABSENT)}

ROWS = [
    Row("Store.staffTasks", TASKS, _store, **STAFF_TOO),
    Row("Store.trainingMaterials", MATERIALS, _store, **STAFF_TOO),
    Row("Store.busyHours", BUSY, _store, **PATTERN_READERS),
    Row("Mutation.createStaffTask", CREATE_TASK, _create_task, **MANAGERS),
    Row("Mutation.completeStaffTask", COMPLETE_TASK, _complete_task, **STAFF_TOO),
    Row("Mutation.createTrainingMaterial", CREATE_MATERIAL, _create_material, **MANAGERS),
]
