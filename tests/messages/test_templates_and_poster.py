"""Templates check their variables when made; the Premium poster is a Korean A4 PDF download."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from pypdf import PdfReader

from models.coupons import FirstVisitOfferKind
from models.messages import MessageTemplate
from models.stores import Plan
from models.tiers import TierPromotion
from tests.checkout import loyalty
from tests.client import Api, error_code, gid
from tests.messages.helpers import CREATE_TEMPLATE, STORE1, owner, set_plan, template

POSTER = """query($id: ID!, $template: ID, $offer: PosterOffer) { store(id: $id) {
  promotionalPoster(templateId: $template, offer: $offer) {
    filename contentType url expiresAt } } }"""


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def _create(api: Api, body: str) -> dict:
    variables = {"input": {"storeId": STORE1, "name": "t", "body": body}}
    token = await owner(api)
    return dict((await api.data(CREATE_TEMPLATE, variables, token=token))["createMessageTemplate"])


async def test_a_template_lists_its_variables(api: Api) -> None:
    # when
    made = await _create(api, "#{name}님, #{storeName} 포인트 #{points}점 (#{name})")
    # then
    assert made["template"]["variables"] == ["name", "storeName", "points"]


async def test_unknown_variables_are_a_typed_error_and_nothing_is_made(api: Api) -> None:
    # when
    unknown = await _create(api, "#{name}님의 #{phone} 번호와 #{ otherCustomer }")
    unclosed = await _create(api, "#{name 님")
    empty = await _create(api, "   ")
    # then
    assert unknown["__typename"] == "UnknownTemplateVariable"
    assert unknown["variables"] == ["phone", "otherCustomer"]
    assert "name" in unknown["known"] and unknown["field"] == "body"
    assert (unclosed["__typename"], unclosed["field"]) == ("InvalidInput", "body")
    assert (empty["__typename"], empty["field"]) == ("InvalidInput", "body")
    assert await MessageTemplate.all().count() == 0


async def test_the_poster_is_a_korean_pdf_of_the_template_and_the_current_offer(api: Api) -> None:
    # given a Premium store with a first-visit offer and a template
    await set_plan(1, Plan.PREMIUM)
    await loyalty.offer(kind=FirstVisitOfferKind.PERCENT, value=15)
    token = await owner(api)
    template_id = await template(api, token, "#{name}님, #{storeName}의 새 시즌 메뉴를 만나보세요")
    # when
    body = await api.data(POSTER, {"id": STORE1, "template": template_id}, token=token)
    poster = body["store"]["promotionalPoster"]
    response = await api.client.get(urlparse(poster["url"]).path)
    # then
    assert poster["contentType"] == "application/pdf"
    assert poster["filename"] == "카페 단골 성수점 포스터.pdf"
    assert datetime.fromisoformat(poster["expiresAt"]) > datetime.now(UTC)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = " ".join(_pdf_text(response.content).split())
    assert "카페 단골 성수점" in text
    assert "첫 방문 15% 할인" in text
    assert "고객님, 카페 단골 성수점의 새 시즌 메뉴를 만나보세요" in text


async def test_the_poster_can_show_a_running_tier_promotion(api: Api) -> None:
    # given
    now = datetime.now(UTC)
    await loyalty.tier(rank=2, name="골드")
    await TierPromotion.create(
        store_id=1,
        name="주말 이벤트",
        min_rank=2,
        points_multiplier_bp=20000,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=2),
    )
    token = await owner(api)
    # when
    body = await api.data(POSTER, {"id": STORE1, "offer": "TIER_PROMOTION"}, token=token)
    pdf = (await api.client.get(urlparse(body["store"]["promotionalPoster"]["url"]).path)).content
    # then
    text = " ".join(_pdf_text(pdf).split())
    assert "주말 이벤트: 골드 등급 이상 포인트 2배 적립" in text


async def test_the_poster_is_premium_and_another_stores_template_is_absent(api: Api) -> None:
    # given
    await set_plan(1, Plan.PLUS)
    token = await owner(api)
    theirs = await template(api, await owner(api, 2), store=gid("Store", 2))
    # when
    plus = await api.gql(POSTER, {"id": STORE1}, token=token)
    await set_plan(1, Plan.PREMIUM)
    foreign = await api.data(POSTER, {"id": STORE1, "template": theirs}, token=token)
    # then
    assert error_code(plus) == "PLAN_UPGRADE_REQUIRED"
    assert plus["errors"][0]["extensions"]["requiredPlan"] == "PREMIUM"
    assert foreign["store"]["promotionalPoster"] is None
