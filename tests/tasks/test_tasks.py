"""Staff tasks by shift: posted by managers, done by their staff, listed per shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.stores import Membership
from models.tasks import StaffTask
from tests.client import Api, gid

CREATE = """
mutation($input: CreateStaffTaskInput!) {
  createStaffTask(input: $input) {
    __typename
    ... on StaffTaskSuccess { task { id title date shift done assignee { email } } }
    ... on UserError { code message field }
  }
}
"""
COMPLETE = """
mutation($input: CompleteStaffTaskInput!) {
  completeStaffTask(input: $input) {
    __typename
    ... on StaffTaskSuccess { task { id done completedAt completionNote completedBy { email } } }
    ... on TaskAlreadyCompleted { completedAt }
    ... on UserError { code message field }
  }
}
"""
TASKS = """
query($id: ID!, $filter: StaffTaskFilter) {
  store(id: $id) {
    staffTasks(filter: $filter) {
      edges { node { title shift done assignee { email } } }
      totalCount
    }
  }
}
"""


def _today() -> str:
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Seoul")).date().isoformat()


async def _staff_member(email: str) -> str:
    membership = await Membership.get(account__email=email)
    return gid("StaffMember", membership.id)


async def _create(api: Api, token: str, **fields: object) -> dict:
    values = {
        "storeId": gid("Store", 1),
        "title": "그라인더 청소",
        "date": _today(),
        "shift": "MORNING",
    }
    body = await api.data(CREATE, {"input": {**values, **fields}}, token=token)
    return dict(body["createStaffTask"])


async def test_a_manager_posts_tasks_by_shift_and_staff_see_their_shift(api: Api) -> None:
    # given
    manager = await api.token("manager1@dangol.test")
    staff_member = await _staff_member("staff1@dangol.test")
    await _create(api, manager, title="오픈 준비", assigneeId=staff_member)
    await _create(api, manager, title="점심 피크 계산대", shift="LUNCH")
    await _create(api, manager, title="마감 정산", shift="EVENING", assigneeId=staff_member)
    # when staff 1 asks for today's morning
    staff = await api.token("staff1@dangol.test")
    morning = await api.data(
        TASKS, {"id": gid("Store", 1), "filter": {"shift": "MORNING"}}, token=staff
    )
    whole_day = await api.data(TASKS, {"id": gid("Store", 1)}, token=staff)
    # then
    nodes = [edge["node"] for edge in morning["store"]["staffTasks"]["edges"]]
    assert nodes == [
        {
            "title": "오픈 준비",
            "shift": "MORNING",
            "done": False,
            "assignee": {"email": "staff1@dangol.test"},
        }
    ]
    assert whole_day["store"]["staffTasks"]["totalCount"] == 3
    assert len(whole_day["store"]["staffTasks"]["edges"]) == 3


async def test_staff_complete_their_own_task_once(api: Api) -> None:
    # given a task of staff 1
    manager = await api.token("manager1@dangol.test")
    task = (await _create(api, manager, assigneeId=await _staff_member("staff1@dangol.test")))[
        "task"
    ]
    staff = await api.token("staff1@dangol.test")
    # when staff 1 completes it twice
    first = await api.data(COMPLETE, {"input": {"taskId": task["id"], "note": "완료"}}, token=staff)
    again = await api.data(COMPLETE, {"input": {"taskId": task["id"]}}, token=staff)
    # then once done, then a typed error naming when
    done = first["completeStaffTask"]
    assert done["__typename"] == "StaffTaskSuccess"
    assert done["task"]["done"] and done["task"]["completionNote"] == "완료"
    assert done["task"]["completedBy"] == {"email": "staff1@dangol.test"}
    refused = again["completeStaffTask"]
    assert refused["__typename"] == "TaskAlreadyCompleted"
    assert refused["completedAt"] == done["task"]["completedAt"]


async def test_staff_cannot_complete_another_staff_members_task_but_a_manager_can(
    api: Api,
) -> None:
    # given a task of staff 1 and another staff member
    owner = await api.token("owner1@dangol.test")
    invited = await api.data(
        """mutation($input: InviteStaffInput!) { inviteStaff(input: $input) {
          ... on InviteStaffSuccess { invitationCode } } }""",
        {
            "input": {
                "storeId": gid("Store", 1),
                "email": "staff9@dangol.test",
                "name": "Nine",
                "role": "STAFF",
            }
        },
        token=owner,
    )
    password = "staff9-password"
    await api.data(
        """mutation($input: JoinWithInvitationInput!) { joinWithInvitation(input: $input) {
          __typename } }""",
        {
            "input": {
                "invitationCode": invited["inviteStaff"]["invitationCode"],
                "password": password,
            }
        },
    )
    task = (await _create(api, owner, assigneeId=await _staff_member("staff1@dangol.test")))["task"]
    other = await api.token("staff9@dangol.test", password)
    # when the other staff member tries, then the manager
    refused = await api.data(COMPLETE, {"input": {"taskId": task["id"]}}, token=other)
    manager = await api.token("manager1@dangol.test")
    allowed = await api.data(COMPLETE, {"input": {"taskId": task["id"]}}, token=manager)
    # then
    assert refused["completeStaffTask"]["__typename"] == "TaskAssignedToAnother"
    assert allowed["completeStaffTask"]["__typename"] == "StaffTaskSuccess"


async def test_bad_tasks_are_refused_and_change_nothing(api: Api) -> None:
    manager = await api.token("manager1@dangol.test")
    other_store_member = await _staff_member("staff2@dangol.test")
    far = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    answers = [
        await _create(api, manager, title="  "),
        await _create(api, manager, date=far),
        await _create(api, manager, assigneeId=other_store_member),
    ]
    assert [(a["__typename"], a["field"]) for a in answers] == [
        ("InvalidInput", "title"),
        ("InvalidInput", "date"),
        ("NotFound", "assigneeId"),
    ]
    assert await StaffTask.all().count() == 0
