"""Plan gating (I8): the plan declared beside a field is enforced before its resolver runs, answers
PLAN_UPGRADE_REQUIRED with requiredPlan, follows changeStorePlan on the next request, and is what
Store.planFeatures lists.

No field of the partner programme is above Basic (the seeds gate area benchmarks, the message
quota, insights and the poster, which other domains bring), so these tests declare gated fields
of their own with the real ``query``/``mutation`` declarations and the real HTTP view.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import strawberry
from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry import relay
from strawberry.types import Info

from app.http import GraphQLView
from core import errors
from models.stores import Plan
from schema.errors import result
from schema.graph import build_schema
from schema.operations import mutation, query
from schema.plans import features_of, gated_fields
from schema.scopes import store_id_at
from tests.client import Api, error_code, gid

ran: list[str] = []


@strawberry.input
class ProbeInput:
    store_id: relay.GlobalID


@strawberry.type
class ProbeSuccess:
    ok: bool


ProbeResult = result("ProbeResult", ProbeSuccess, errors.NotFound)


@strawberry.type
class GatedQuery:
    @query("store.read", store=store_id_at("id"), plan=Plan.PLUS)
    async def area_probe(self, info: Info, id: relay.GlobalID) -> int | None:
        ran.append("areaProbe")
        return 1

    @query("store.read", store=store_id_at("id"), plan=Plan.PREMIUM)
    async def insight_probe(self, info: Info, id: relay.GlobalID) -> int | None:
        ran.append("insightProbe")
        return 1


@strawberry.type
class GatedMutation:
    @mutation(
        "store.update", store=store_id_at("input.store_id"), plan=Plan.PREMIUM, result=ProbeResult
    )
    async def premium_probe(self, info: Info, input: ProbeInput) -> ProbeSuccess:
        ran.append("premiumProbe")
        return ProbeSuccess(ok=True)


GATED = strawberry.Schema(query=GatedQuery, mutation=GatedMutation)
CHANGE_PLAN = """
mutation($input: ChangeStorePlanInput!) {
  changeStorePlan(input: $input) {
    __typename ... on UpdateStoreSuccess { store { plan campaignGrade } }
  }
}
"""


@pytest.fixture
async def gated(app: Any) -> AsyncIterator[AsyncClient]:
    view = GraphQLView(app.state.services, schema=GATED)
    probe = Starlette(routes=[Route("/graphql", view)])
    async with AsyncClient(transport=ASGITransport(app=probe), base_url="http://dangol.test") as c:
        yield c


async def _ask(client: AsyncClient, token: str, document: str, variables: dict) -> dict:
    response = await client.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    return dict(response.json())


async def _change(api: Api, store: int, plan: str) -> dict:
    admin = await api.token("admin@dangol.test")
    body = await api.data(
        CHANGE_PLAN, {"input": {"storeId": gid("Store", store), "plan": plan}}, token=admin
    )
    return dict(body["changeStorePlan"])


AREA = "query($id: ID!) { areaProbe(id: $id) }"
INSIGHT = "query($id: ID!) { insightProbe(id: $id) }"
PROBE = """
mutation($input: ProbeInput!) { premiumProbe(input: $input) { __typename } }
"""


async def test_a_field_above_the_plan_is_refused_before_its_resolver_runs(
    api: Api, gated: AsyncClient
) -> None:
    # given store 2 on Plus and its owner
    owner = await api.token("owner2@dangol.test")
    ran.clear()
    store = {"id": gid("Store", 2)}
    # when
    area = await _ask(gated, owner, AREA, store)
    insight = await _ask(gated, owner, INSIGHT, store)
    probe = await _ask(gated, owner, PROBE, {"input": {"storeId": gid("Store", 2)}})
    # then the Plus field answers; the Premium ones say which plan they need, with no data
    assert area == {"data": {"areaProbe": 1}}
    assert insight["data"] is None or insight["data"]["insightProbe"] is None
    assert error_code(insight) == "PLAN_UPGRADE_REQUIRED"
    assert insight["errors"][0]["extensions"]["requiredPlan"] == "PREMIUM"
    assert error_code(probe) == "PLAN_UPGRADE_REQUIRED"
    assert probe["errors"][0]["extensions"]["requiredPlan"] == "PREMIUM"
    assert ran == ["areaProbe"]


async def test_change_store_plan_takes_effect_on_the_next_request(
    api: Api, gated: AsyncClient
) -> None:
    owner = await api.token("owner2@dangol.test")
    store = {"id": gid("Store", 2)}
    # when the admin moves store 2 up to Premium
    changed = await _change(api, 2, "PREMIUM")
    # then the very next requests obey it, and the grade follows the plan
    assert changed["store"] == {"plan": "PREMIUM", "campaignGrade": "GOLD"}
    assert (await _ask(gated, owner, INSIGHT, store)) == {"data": {"insightProbe": 1}}
    probe = await _ask(gated, owner, PROBE, {"input": {"storeId": gid("Store", 2)}})
    assert probe == {"data": {"premiumProbe": {"__typename": "ProbeSuccess"}}}
    # when it moves down to Basic
    await _change(api, 2, "BASIC")
    area = await _ask(gated, owner, AREA, store)
    # then even the Plus field is refused
    assert error_code(area) == "PLAN_UPGRADE_REQUIRED"
    assert area["errors"][0]["extensions"]["requiredPlan"] == "PLUS"


async def test_the_plan_change_is_audited(api: Api) -> None:
    from models.audit import AuditEntry

    await _change(api, 2, "BASIC")
    entry = await AuditEntry.filter(action="store.change_plan").order_by("-id").first()
    assert entry is not None
    assert (entry.store_id, entry.before, entry.after) == (2, {"plan": "PLUS"}, {"plan": "BASIC"})


def test_plan_features_list_exactly_the_declared_gates() -> None:
    assert gated_fields(GATED) == [
        ("GatedMutation.premiumProbe", Plan.PREMIUM),
        ("GatedQuery.areaProbe", Plan.PLUS),
        ("GatedQuery.insightProbe", Plan.PREMIUM),
    ]
    included = {f.feature: f.included for f in features_of(GATED, Plan.PLUS)}
    assert included == {
        "GatedMutation.premiumProbe": False,
        "GatedQuery.areaProbe": True,
        "GatedQuery.insightProbe": False,
    }


def test_every_gate_of_the_real_schema_is_above_basic_and_listed() -> None:
    real = build_schema()
    for name, plan in gated_fields(real):
        assert plan != Plan.BASIC, f"{name} declares the Basic plan, which gates nothing"
    assert len(features_of(real, Plan.BASIC)) == len(gated_fields(real))
