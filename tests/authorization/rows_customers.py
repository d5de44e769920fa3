"""Customers (B1-B7): staff read masked and register; owners export and set thresholds;
partner keys read."""

from __future__ import annotations

from typing import Any

from models.customers import Feedback
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    Variables,
    World,
)
from tests.client import gid
from tests.customers import factories

STORE_CUSTOMERS = (
    "query($id: ID!) { store(id: $id) { id customers { edges { node { id name } } } } }"
)
BY_PHONE = (
    "query($id: ID!, $p: String!) { store(id: $id) { id customerByPhone(phone: $p) { id phone } } }"
)
SEGMENTS = "query($id: ID!) { store(id: $id) { id customerSegments { count } } }"
SUMMARY = "query($id: ID!) { store(id: $id) { id feedbackSummary { count } } }"
SETTINGS = "query($id: ID!) { store(id: $id) { id customerSettings { dormantDays } } }"
FEEDBACK = "query($id: ID!) { store(id: $id) { id feedback { edges { node { id } } } } }"
ALERTS = "query($id: ID!) { store(id: $id) { id alerts { edges { node { id } } } } }"
NODE_CUSTOMER = "query($id: ID!) { node(id: $id) { id ... on Customer { tags } } }"
NODE_FEEDBACK = "query($id: ID!) { node(id: $id) { id ... on Feedback { rating } } }"
CUSTOMER_ORDERS = (
    "query($id: ID!) { node(id: $id) { id ... on Customer { orders { edges { node { id } } } } } }"
)
REGISTER = (
    "mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { __typename } }"
)
UPDATE = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { __typename } }"
TAG = "mutation($input: TagCustomersInput!) { tagCustomers(input: $input) { __typename } }"
SET = (
    "mutation($input: UpdateCustomerSettingsInput!) "
    "{ updateCustomerSettings(input: $input) { __typename } }"
)
IMPORT = "mutation($input: ImportCustomersInput!) { importCustomers(input: $input) { __typename } }"
EXPORT = "mutation($input: ExportCustomersInput!) { exportCustomers(input: $input) { __typename } }"
SUBMIT = "mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { __typename } }"
MARK = "mutation($input: MarkAlertsReadInput!) { markAlertsRead(input: $input) { __typename } }"


async def _customer(w: World, target: str) -> str:
    return gid("Customer", (await factories.customer(w.store_id(target))).id)


async def _by_phone(w: World, target: str) -> dict:
    phone = factories.unique_phone()
    await factories.customer(w.store_id(target), phone=phone)
    return {"id": w.store(target), "p": phone}


async def _feedback(w: World, target: str) -> dict:
    row = await Feedback.create(
        store_id=w.store_id(target), rating=5, channel="IN_STORE", category="TASTE"
    )
    return {"id": gid("Feedback", row.id)}


def _register(w: World, target: str) -> dict:
    return {
        "input": {
            "storeId": w.store(target),
            "name": "이수진",
            "phone": factories.unique_phone(),
            "idempotencyKey": w.unique("register"),
        }
    }


async def _update(w: World, target: str) -> dict:
    return {"input": {"customerId": await _customer(w, target), "marketingConsent": True}}


async def _tag(w: World, target: str) -> dict:
    return {"input": {"customerIds": [await _customer(w, target)], "add": ["vip"]}}


def _import(w: World, target: str) -> dict:
    csv = f"name,phone\n박영희,{factories.unique_phone()}\n"
    return {"input": {"storeId": w.store(target), "csv": csv}}


def _store_input(extra: dict[str, Any]) -> Variables:
    return lambda w, target: {"input": {"storeId": w.store(target), **extra}}


READ = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(OK, ABSENT),
    partner=(OK, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)
NOT_PARTNER: Expectations = {**READ, "partner": (FORBIDDEN, ABSENT)}
OWNER_MANAGER: Expectations = {**NOT_PARTNER, "staff": (FORBIDDEN, ABSENT)}
OWNER_ONLY: Expectations = {**OWNER_MANAGER, "manager": (FORBIDDEN, ABSENT)}
# node() answers null where the action is denied.
NODE_READ: Expectations = {**READ, "partner": (ABSENT, ABSENT)}

ROWS = [
    Row("Store.customers", STORE_CUSTOMERS, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.customerByPhone", BY_PHONE, _by_phone, **READ),
    Row("Store.customerSettings", SETTINGS, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.customerSegments", SEGMENTS, lambda w, t: {"id": w.store(t)}, **OWNER_MANAGER),
    Row("Store.feedbackSummary", SUMMARY, lambda w, t: {"id": w.store(t)}, **NOT_PARTNER),
    Row("Store.feedback", FEEDBACK, lambda w, t: {"id": w.store(t)}, **NOT_PARTNER),
    Row("Store.alerts", ALERTS, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Query.node", NODE_CUSTOMER, lambda w, t: _node(w, t), variant="Customer", **READ),
    Row(
        "Query.node",
        NODE_FEEDBACK,
        _feedback,
        variant="Feedback",
        **NODE_READ,
    ),
    Row("Customer.orders", CUSTOMER_ORDERS, lambda w, t: _node(w, t), **READ),
    Row("Mutation.registerCustomer", REGISTER, _register, **READ),
    Row("Mutation.updateCustomer", UPDATE, _update, **NOT_PARTNER),
    Row("Mutation.tagCustomers", TAG, _tag, **NOT_PARTNER),
    Row(
        "Mutation.updateCustomerSettings",
        SET,
        _store_input({"dormantDays": 45}),
        **OWNER_ONLY,
    ),
    Row("Mutation.importCustomers", IMPORT, _import, **OWNER_MANAGER),
    Row("Mutation.exportCustomers", EXPORT, _store_input({}), **OWNER_ONLY),
    Row(
        "Mutation.submitFeedback",
        SUBMIT,
        lambda w, target: {
            "input": {
                "storeId": w.store(target),
                "rating": 1,
                "channel": "IN_STORE",
                "category": "SERVICE",
                "idempotencyKey": w.unique("feedback"),
            }
        },
        **READ,
    ),
    Row("Mutation.markAlertsRead", MARK, _store_input({"alertIds": []}), **READ),
]


async def _node(w: World, target: str) -> dict:
    return {"id": await _customer(w, target)}
