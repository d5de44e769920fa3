"""The promotional poster (G6, Premium): a printable A4 PDF in Korean, made from a message
template and the store's current offer (its first-visit offer, its stamp card or a running
tier promotion), with reportlab's built-in Korean CID font (no font file to install).

Customer variables of the template are written for everyone (``#{name}`` is "고객"), so a
poster never carries anyone's data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from zoneinfo import ZoneInfo

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from models.catalogue import Product
from models.coupons import FirstVisitOffer, FirstVisitOfferKind
from models.messages import MessageTemplate
from models.rewards import Reward, StampCard
from models.stores import Store
from models.tiers import Tier, TierPromotion
from resolvers.messages.templates import render

FONT = "HYGothic-Medium"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
FOR_EVERYONE = {"name": "고객", "points": "", "stamps": "", "tierName": "", "lastVisitDate": ""}


class PosterOffer(str, Enum):
    FIRST_VISIT = "FIRST_VISIT"
    STAMP_CARD = "STAMP_CARD"
    TIER_PROMOTION = "TIER_PROMOTION"


@dataclass(frozen=True)
class Offer:
    kind: PosterOffer
    headline: str
    detail: str


def won(amount: int) -> str:
    return f"{amount:,}원"


async def _first_visit(store_id: int) -> Offer | None:
    offer = await FirstVisitOffer.filter(store_id=store_id, is_active=True).order_by("-id").first()
    if offer is None:
        return None
    if offer.kind is FirstVisitOfferKind.PERCENT:
        headline = f"첫 방문 {offer.value}% 할인"
    elif offer.kind is FirstVisitOfferKind.FIXED:
        headline = f"첫 방문 {won(offer.value)} 할인"
    elif offer.kind is FirstVisitOfferKind.SPEND_THRESHOLD:
        headline = f"첫 방문 {won(offer.minimum_spend)} 이상 구매 시 {won(offer.value)} 할인"
    else:
        gift = await Product.filter(id=offer.gift_product_id).values_list("name", flat=True)
        headline = f"첫 방문 고객께 {gift[0] if gift else '선물'} 증정"
    detail = (
        f"최소 주문 {won(offer.minimum_spend)}" if offer.minimum_spend else "처음 오신 모든 분께"
    )
    return Offer(PosterOffer.FIRST_VISIT, headline, detail)


async def _stamp_card(store_id: int) -> Offer | None:
    card = await StampCard.get_or_none(store_id=store_id, is_active=True)
    if card is None:
        return None
    reward = await Reward.filter(id=card.reward_id).values_list("name", flat=True)
    prize = reward[0] if reward else "리워드"
    return Offer(
        PosterOffer.STAMP_CARD,
        f"스탬프 {card.stamps_required}개를 모으면 {prize}",
        "방문할 때마다 스탬프를 적립해 드립니다",
    )


async def _tier_promotion(store_id: int, now: datetime, time_zone: str) -> Offer | None:
    promotion = (
        await TierPromotion.filter(store_id=store_id, starts_at__lte=now, ends_at__gt=now)
        .order_by("-points_multiplier_bp", "id")
        .first()
    )
    if promotion is None:
        return None
    tier = await Tier.filter(store_id=store_id, rank=promotion.min_rank, is_deleted=False).first()
    multiple = promotion.points_multiplier_bp / 10000
    times = f"{multiple:g}배"
    who = f"{tier.name} 등급 이상" if tier else "회원"
    ends = promotion.ends_at.astimezone(ZoneInfo(time_zone)).strftime("%m월 %d일")
    return Offer(
        PosterOffer.TIER_PROMOTION,
        f"{promotion.name}: {who} 포인트 {times} 적립",
        f"{ends}까지",
    )


async def current_offer(
    store: Store, preferred: PosterOffer | None = None, now: datetime | None = None
) -> Offer | None:
    """The offer named, or the first running one: first visit, tier promotion, stamp card."""
    now = now or datetime.now(UTC)
    finders = {
        PosterOffer.FIRST_VISIT: lambda: _first_visit(store.id),
        PosterOffer.TIER_PROMOTION: lambda: _tier_promotion(store.id, now, store.time_zone),
        PosterOffer.STAMP_CARD: lambda: _stamp_card(store.id),
    }
    order = [preferred] if preferred else list(finders)
    for kind in order:
        found = await finders[kind]()
        if found is not None:
            return found
    return None


def _lines(canvas: Canvas, text: str, *, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += simpleSplit(paragraph, FONT, size, width) or [""]
    return lines


def draw_poster(store: Store, offer: Offer | None, body: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setPageCompression(1)
    canvas.setTitle(f"{store.name} 홍보 포스터")
    width, height = A4
    margin = 56.0
    canvas.setFillColor(HexColor("#1F3A5F"))
    canvas.rect(0, height - 200, width, 200, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#FFFFFF"))
    canvas.setFont(FONT, 40)
    canvas.drawCentredString(width / 2, height - 120, store.name)
    y = height - 280
    canvas.setFillColor(HexColor("#C0392B"))
    if offer is not None:
        for line in _lines(canvas, offer.headline, size=34, width=width - 2 * margin):
            canvas.setFont(FONT, 34)
            canvas.drawCentredString(width / 2, y, line)
            y -= 46
        canvas.setFillColor(HexColor("#555555"))
        canvas.setFont(FONT, 18)
        canvas.drawCentredString(width / 2, y, offer.detail)
        y -= 70
    canvas.setFillColor(HexColor("#222222"))
    for line in _lines(canvas, body, size=20, width=width - 2 * margin):
        canvas.setFont(FONT, 20)
        canvas.drawCentredString(width / 2, y, line)
        y -= 30
        if y < 140:
            break
    canvas.setFont(FONT, 14)
    canvas.setFillColor(HexColor("#555555"))
    footer = "  ·  ".join(part for part in (store.address, store.phone) if part)
    canvas.drawCentredString(width / 2, 80, footer)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


async def poster_pdf(
    store_id: int, template_id: int | None, preferred: PosterOffer | None
) -> bytes | None:
    """The poster of the store, or None when the template is not the store's."""
    store = await Store.get_or_none(id=store_id)
    if store is None:
        return None
    body = ""
    if template_id:
        template = await MessageTemplate.get_or_none(id=template_id, store_id=store_id)
        if template is None:
            return None
        values = {
            **FOR_EVERYONE,
            "storeName": store.name,
            "storePhone": store.phone,
            "storeAddress": store.address,
        }
        body = render(template.body, values)
    offer = await current_offer(store, preferred)
    return draw_poster(store, offer, body)


def poster_filename(store: Store) -> str:
    return f"{store.name} 포스터.pdf"
