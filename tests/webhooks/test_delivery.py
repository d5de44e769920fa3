"""Deliveries from the outbox to a receiver that checks signatures: at least once, by event id."""

from __future__ import annotations

from datetime import UTC, datetime

from app.jobs import default_jobs
from core.settings import Settings
from models.customers import StoreAlert
from models.notifications import NotificationKind
from models.outbox import OutboxMessage
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.client import Api, gid
from tests.live.helpers import new_order
from tests.orders.factories import advance, pk
from tests.webhooks.helpers import (
    DELETE_ENDPOINT,
    ENDPOINTS,
    REDELIVER,
    create_endpoint,
    deliver,
    later,
)
from tests.webhooks.receiver import Receiver


async def _log(api: Api, token: str) -> list[dict]:
    data = await api.data(ENDPOINTS, {"id": gid("Store", 1)}, token=token)
    endpoints = data["store"]["webhookEndpoints"]
    return [edge["node"] for edge in endpoints[0]["deliveries"]["edges"]]


async def test_an_order_is_delivered_signed_with_its_event_id(
    api: Api, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    # given an endpoint of store 1 that wants created and status-changed orders
    hook, url = receiver
    owner = await api.token("owner1@dangol.test")
    created = await create_endpoint(
        api, owner, f"{url}/hook", ["ORDER_CREATED", "ORDER_STATUS_CHANGED"]
    )
    hook.secrets.append(created["secret"])
    # when an order is created and confirmed, and the outbox job runs
    order_id = await new_order(api, owner)
    await advance(api, owner, order_id, "CONFIRMED")
    await deliver(settings)
    # then the receiver got both events, signed, with the API's ids
    assert [item.type for item in hook.received] == ["order.created", "order.status_changed"]
    assert all(item.signed for item in hook.received)
    first = hook.received[0].body
    assert first["id"] == hook.received[0].event_id
    assert first["type"] == "order.created"
    assert first["storeId"] == gid("Store", 1)
    assert first["data"]["orderId"] == order_id
    assert first["data"]["status"] == "RECEIVED"
    assert hook.received[1].body["data"]["previousStatus"] == "RECEIVED"
    # and each delivery is in the log, succeeded
    log = await _log(api, owner)
    assert sorted(row["status"] for row in log) == ["SUCCEEDED", "SUCCEEDED"]
    assert all(row["responseCode"] == 200 and row["durationMs"] is not None for row in log)


async def test_events_of_other_stores_and_unwanted_types_are_not_delivered(
    api: Api, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    # given an endpoint of store 1 for cancelled orders only
    hook, url = receiver
    owner = await api.token("owner1@dangol.test")
    hook.secrets.append(
        (await create_endpoint(api, owner, f"{url}/hook", ["ORDER_CANCELLED"]))["secret"]
    )
    # when orders are created in both stores
    await new_order(api, owner)
    await new_order(api, await api.token("owner2@dangol.test"), store_id=2)
    await deliver(settings)
    # then nothing reached the receiver
    assert hook.received == []
    assert await WebhookDelivery.all().count() == 0


async def test_a_failing_receiver_gets_retries_with_backoff_and_the_same_event_id(
    api: Api, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    # given a receiver that fails twice
    hook, url = receiver
    owner = await api.token("owner1@dangol.test")
    hook.secrets.append((await create_endpoint(api, owner, f"{url}/hook"))["secret"])
    hook.fail_next = 2
    await new_order(api, owner)
    # when the job runs now, again at once, then after each backoff (30 s, then 60 s)
    await deliver(settings)
    await deliver(settings)
    await deliver(settings, at=later(31))
    await deliver(settings, at=later(31 + 61))
    # then three attempts of one event: failed, failed, succeeded
    assert [item.attempt for item in hook.received] == [1, 2, 3]
    assert len(set(hook.event_ids())) == 1
    log = sorted(await _log(api, owner), key=lambda row: row["attempt"])
    assert [row["status"] for row in log] == ["FAILED", "FAILED", "SUCCEEDED"]
    assert [row["responseCode"] for row in log] == [500, 500, 200]
    assert len(log[0]["responseBody"]) == 300  # 1,000 characters answered, 300 kept
    endpoint = await WebhookEndpoint.get(url=f"{url}/hook")
    assert endpoint.consecutive_failures == 0 and endpoint.is_active


async def test_a_run_of_failures_switches_the_endpoint_off_and_alerts_the_owner(
    api: Api, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    # given a receiver that always fails (the tests switch off after 3 failures in a row)
    hook, url = receiver
    owner = await api.token("owner1@dangol.test")
    hook.secrets.append((await create_endpoint(api, owner, f"{url}/hook"))["secret"])
    hook.failing = True
    # when four orders are delivered, one after the other
    for _ in range(4):
        await new_order(api, owner)
        await deliver(settings)
    # then three failed, the endpoint is off (the fourth event was not queued for it),
    # and the owner was alerted
    statuses = sorted(row.status for row in await WebhookDelivery.all())
    assert statuses == [DeliveryStatus.FAILED] * 3
    assert len(hook.received) == 3
    endpoint = await WebhookEndpoint.get(url=f"{url}/hook")
    assert not endpoint.is_active and endpoint.disabled_reason
    alerts = await StoreAlert.filter(kind=NotificationKind.WEBHOOK_DISABLED.value).values_list(
        "recipient__email", flat=True
    )
    assert list(alerts) == ["owner1@dangol.test"]
    # and later retries of the failed ones are skipped, not sent
    await deliver(settings, at=later(3600))
    assert len(hook.received) == 3
    assert await WebhookDelivery.filter(status=DeliveryStatus.SKIPPED).count() == 3


async def test_a_redelivery_sends_the_same_event_again_with_a_fresh_signature(
    api: Api, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    # given an event delivered once
    hook, url = receiver
    owner = await api.token("owner1@dangol.test")
    hook.secrets.append((await create_endpoint(api, owner, f"{url}/hook"))["secret"])
    await new_order(api, owner)
    await deliver(settings)
    delivery = await WebhookDelivery.get()
    # when the owner asks for it again (twice with one idempotency key)
    variables = {
        "input": {"deliveryId": gid("WebhookDelivery", delivery.id), "idempotencyKey": "r-1"}
    }
    first = (await api.data(REDELIVER, variables, token=owner))["redeliverWebhook"]
    again = (await api.data(REDELIVER, variables, token=owner))["redeliverWebhook"]
    await deliver(settings)
    # then the receiver got the event twice under one event id: it keeps one
    assert first["__typename"] == "RedeliverWebhookSuccess", first
    assert again == first
    assert hook.event_ids() == [delivery.event_id, delivery.event_id]
    assert len(set(hook.event_ids())) == 1
    assert await WebhookDelivery.all().count() == 2


async def test_a_rolled_back_order_announces_nothing(
    api: Api, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    # given an endpoint, and an order request that fails (unknown product)
    hook, url = receiver
    owner = await api.token("owner1@dangol.test")
    hook.secrets.append((await create_endpoint(api, owner, f"{url}/hook"))["secret"])
    body = await api.data(
        """mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename } }""",
        {
            "input": {
                "storeId": gid("Store", 1),
                "channel": "IN_STORE",
                "lines": [{"productId": gid("Product", 999_999), "quantity": 1}],
                "idempotencyKey": "rolled-back",
            }
        },
        token=owner,
    )
    assert body["createOrder"]["__typename"] == "NotFound"
    # when the outbox job runs
    await deliver(settings)
    # then no event was written and nothing was sent
    assert await OutboxMessage.filter(kind__startswith="event.").count() == 0
    assert hook.received == []


async def test_redirects_are_not_followed(
    api: Api, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    # given an endpoint whose URL redirects
    hook, url = receiver
    owner = await api.token("owner1@dangol.test")
    await create_endpoint(api, owner, f"{url}/moved")
    await new_order(api, owner)
    # when the job delivers
    await deliver(settings)
    # then the redirect was a failure and its target never heard from us
    delivery = await WebhookDelivery.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.response_code == 307
    assert "not followed" in (delivery.error or "")
    assert hook.redirected == 0


async def test_a_slow_receiver_times_out(
    api: Api, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    # given a receiver that never answers (the tests wait 2 s)
    hook, url = receiver
    owner = await api.token("owner1@dangol.test")
    hook.secrets.append((await create_endpoint(api, owner, f"{url}/hook"))["secret"])
    hook.hang_next = 1
    await new_order(api, owner)
    # when the job delivers
    await deliver(settings, rounds=2)
    # then the attempt failed for want of an answer and will be retried
    delivery = await WebhookDelivery.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "no answer" in (delivery.error or "")
    assert delivery.response_code is None
    message = await OutboxMessage.get(id=delivery.message_id)
    assert message.delivered_at is None and message.attempts == 1


async def test_deleting_an_endpoint_drops_what_was_queued_for_it(
    api: Api, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    # given a delivery queued for an endpoint
    hook, url = receiver
    owner = await api.token("owner1@dangol.test")
    created = await create_endpoint(api, owner, f"{url}/hook")
    hook.secrets.append(created["secret"])
    await new_order(api, owner)
    await deliver(settings, rounds=1)  # the event fans out; the delivery is not made yet
    queued = await OutboxMessage.filter(kind="webhook").count()
    # when the endpoint is deleted and the job runs
    deleted = await api.data(
        DELETE_ENDPOINT, {"input": {"endpointId": created["endpoint"]["id"]}}, token=owner
    )
    await deliver(settings)
    # then nothing is sent
    assert queued == 1
    assert deleted["deleteWebhookEndpoint"]["deletedEndpointId"] == created["endpoint"]["id"]
    assert hook.received == []
    assert pk(created["endpoint"]["id"]) not in await WebhookEndpoint.all().values_list(
        "id", flat=True
    )


async def test_one_run_of_the_outbox_job_fans_an_event_out_and_delivers_it(
    api: Api, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    # given an endpoint and a new order
    hook, url = receiver
    owner = await api.token("owner1@dangol.test")
    hook.secrets.append((await create_endpoint(api, owner, f"{url}/hook"))["secret"])
    await new_order(api, owner)
    job = next(job for job in default_jobs(settings) if job.name == "outbox.deliver")
    assert callable(job.target)
    # when the scheduled job runs once
    await job.target(datetime.now(UTC))
    # then the receiver has the event
    assert [item.type for item in hook.received] == ["order.created"]
