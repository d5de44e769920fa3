from __future__ import annotations

import asyncio

from models.customers import Feedback, StoreAlert
from models.stores import Membership
from tests.client import Api, gid, new_key
from tests.customers import factories
from tests.customers.helpers import STORE1, owner

SUBMIT = """
mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) {
  __typename
  ... on SubmitFeedbackSuccess { alertsRaised feedback
    { id rating comment channel category customerId } }
  ... on UserError { code field }
} }
"""
ALERTS = """
query($id: ID!, $unread: Boolean!) { store(id: $id) {
  alerts(unreadOnly: $unread) { edges { node { id kind payload readAt } } }
} }
"""
FEEDBACK = (
    "query($id: ID!) { store(id: $id) { feedback(maxRating: 2) { edges { node "
    "{ rating } } totalCount } } }"
)


def _input(**extra: object) -> dict:
    return {
        "input": {
            "storeId": STORE1,
            "rating": 5,
            "channel": "IN_STORE",
            "category": "TASTE",
            "idempotencyKey": new_key("feedback"),
            **extra,
        }
    }


async def test_a_good_rating_is_kept_without_alerts(api: Api) -> None:
    # given
    customer = await factories.customer(1)
    # when
    result = (
        await api.data(
            SUBMIT,
            _input(comment=" 맛있어요 ", customerId=gid("Customer", customer.id)),
            token=await api.token("staff1@dangol.test"),
        )
    )["submitFeedback"]
    # then
    assert result["alertsRaised"] == 0
    assert result["feedback"]["comment"] == "맛있어요"
    assert result["feedback"]["customerId"] == gid("Customer", customer.id)
    assert not await StoreAlert.exists()


async def test_a_negative_rating_alerts_the_owner_and_managers_of_the_store(api: Api) -> None:
    # given
    staff = await api.token("staff1@dangol.test")
    # when
    result = (
        await api.data(SUBMIT, _input(rating=2, category="SERVICE", comment="불친절"), token=staff)
    )["submitFeedback"]
    # then
    assert result["alertsRaised"] == 2
    recipients = set(await StoreAlert.all().values_list("recipient__email", flat=True))
    assert recipients == {"owner1@dangol.test", "manager1@dangol.test"}
    manager_alerts = await api.data(
        ALERTS, {"id": STORE1, "unread": True}, token=await api.token("manager1@dangol.test")
    )
    node = manager_alerts["store"]["alerts"]["edges"][0]["node"]
    assert node["kind"] == "NEGATIVE_FEEDBACK" and node["payload"]["rating"] == 2
    staff_alerts = await api.data(ALERTS, {"id": STORE1, "unread": False}, token=staff)
    assert staff_alerts["store"]["alerts"]["edges"] == []
    listed = await api.data(FEEDBACK, {"id": STORE1}, token=await owner(api))
    assert listed["store"]["feedback"]["totalCount"] == 1
    assert [e["node"]["rating"] for e in listed["store"]["feedback"]["edges"]] == [2]
    assert await Membership.filter(store_id=1).count() == 3


async def test_alerts_are_marked_read_by_their_recipient_only(api: Api) -> None:
    # given
    await api.data(SUBMIT, _input(rating=1), token=await owner(api))
    owner_alert = await StoreAlert.get(recipient__email="owner1@dangol.test")
    mark = (
        "mutation($input: MarkAlertsReadInput!) { markAlertsRead(input: $input) { __typename "
        "... on MarkAlertsReadSuccess { marked } } }"
    )
    alert_id = gid("StoreAlert", owner_alert.id)
    # when
    by_manager = await api.data(
        mark,
        {"input": {"storeId": STORE1, "alertIds": [alert_id]}},
        token=await api.token("manager1@dangol.test"),
    )
    by_owner = await api.data(
        mark, {"input": {"storeId": STORE1, "alertIds": [alert_id]}}, token=await owner(api)
    )
    # then
    assert by_manager["markAlertsRead"]["marked"] == 0
    assert by_owner["markAlertsRead"]["marked"] == 1
    unread = await api.data(ALERTS, {"id": STORE1, "unread": True}, token=await owner(api))
    assert unread["store"]["alerts"]["edges"] == []


async def test_bad_rating_and_another_stores_customer_change_nothing(api: Api) -> None:
    # given
    theirs = await factories.customer(2)
    token = await owner(api)
    # when
    bad = (await api.data(SUBMIT, _input(rating=6), token=token))["submitFeedback"]
    foreign = (
        await api.data(SUBMIT, _input(rating=1, customerId=gid("Customer", theirs.id)), token=token)
    )["submitFeedback"]
    # then
    assert bad == {"__typename": "InvalidInput", "code": "INVALID_INPUT", "field": "rating"}
    assert foreign["__typename"] == "NotFound"
    assert not await Feedback.exists()
    assert not await StoreAlert.exists()


async def test_feedback_summary_per_category(api: Api) -> None:
    # given
    token = await owner(api)
    for rating, category in ((1, "SERVICE"), (4, "SERVICE"), (5, "TASTE")):
        await api.data(SUBMIT, _input(rating=rating, category=category), token=token)
    query = (
        "query($id: ID!) { store(id: $id) { feedbackSummary "
        "{ category count averageRating negativeCount } } }"
    )
    # when
    data = await api.data(query, {"id": STORE1}, token=token)
    # then
    assert data["store"]["feedbackSummary"] == [
        {"category": "SERVICE", "count": 2, "averageRating": 2.5, "negativeCount": 1},
        {"category": "TASTE", "count": 1, "averageRating": 5.0, "negativeCount": 0},
    ]


async def test_a_manager_who_switched_negative_feedback_off_is_not_alerted(api: Api) -> None:
    # given the manager turned negative-feedback alerts off
    manager = await api.token("manager1@dangol.test")
    switched = await api.data(
        """mutation { updateNotificationSettings(input: {settings: [
          {kind: NEGATIVE_FEEDBACK, enabled: false}]}) { __typename } }""",
        token=manager,
    )
    assert (
        switched["updateNotificationSettings"]["__typename"] == "UpdateNotificationSettingsSuccess"
    )
    # when a negative rating comes in
    result = (
        await api.data(SUBMIT, _input(rating=1), token=await api.token("staff1@dangol.test"))
    )["submitFeedback"]
    # then only the owner is alerted
    assert result["alertsRaised"] == 1
    recipients = set(await StoreAlert.all().values_list("recipient__email", flat=True))
    assert recipients == {"owner1@dangol.test"}


async def test_a_customer_id_past_64_bits_is_no_such_customer(api: Api) -> None:
    # given
    staff = await api.token("staff1@dangol.test")
    # when
    result = (await api.data(SUBMIT, _input(customerId=gid("Customer", 10**20)), token=staff))[
        "submitFeedback"
    ]
    # then
    assert result == {"__typename": "NotFound", "code": "NOT_FOUND", "field": "customerId"}
    assert not await Feedback.exists()


async def test_a_retried_submission_keeps_one_feedback_and_alerts_once(api: Api) -> None:
    # given one negative rating, sent under one key
    staff = await api.token("staff1@dangol.test")
    variables = _input(rating=1, category="SERVICE", comment="느려요")
    # when it is sent three times at once, then once more
    racing = await asyncio.gather(*[api.data(SUBMIT, variables, token=staff) for _ in range(3)])
    later = await api.data(SUBMIT, variables, token=staff)
    # then one feedback and one alert per recipient; every answer is the first one
    answers = [body["submitFeedback"] for body in [*racing, later]]
    assert {answer["feedback"]["id"] for answer in answers} == {answers[0]["feedback"]["id"]}
    assert {answer["alertsRaised"] for answer in answers} == {2}
    assert await Feedback.all().count() == 1
    assert await StoreAlert.all().count() == 2
    # and the key with another rating is a typed error
    reused = variables["input"] | {"rating": 2}
    again = (await api.data(SUBMIT, {"input": reused}, token=staff))["submitFeedback"]
    assert again["__typename"] == "IdempotencyKeyReused"
