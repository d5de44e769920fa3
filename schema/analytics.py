"""Analytics (I1-I7, K4) under ``Store.analytics``: every field declares its own action.

The definitions below are written once and used by every field that shows the figure;
the rollups (resolvers/analytics/contributions.py) count exactly these.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.errors import InvalidInput
from models.analytics import AnalyticsInsight
from models.stores import Plan
from resolvers.analytics import benchmark, figures, insights
from resolvers.analytics.calendar import Period, period as make_period
from schema.operations import field, query
from schema.stores import StoreProfile

VISITS = (
    "Visits: completed orders that name a customer (a fully refunded order is not one), "
    "counted on the local day of completion."
)
REVISIT_RATE = (
    "Revisit rate: customers with a second visit in the period ÷ customers who visited in it. "
    "Counted per calendar day, week (from Monday) or month (from the 1st), whole or to date; "
    "null when nobody visited."
)
NEW_CUSTOMERS = (
    "New customers: customers whose first visit (their first completed order) is in the "
    "period, that order not fully refunded."
)
SALES = "Sales: totals of completed orders net of refunds, in won, on the day of completion."
ORDERS = "Orders: completed orders, fully refunded ones left out."
POINTS_ISSUED = "Points issued: earned and added by hand, as the points dashboard counts them."
POINTS_USED = "Points used: spent on rewards, net of what was given back."
REWARDS_ISSUED = "Rewards issued: coupons issued to customers."
REWARDS_USED = "Rewards used: coupons redeemed at checkout and catalogue rewards applied to orders."
CONVERSION = (
    "Converted: first-time customers who came back for another visit within 30 days of their first."
)
CHANGE_RATE = "(value - previous) ÷ previous; null when previous is 0."
TOP_PERCENT = (
    "The store's place among the area's stores compared, as a share from the top: "
    "5.0 means the top 5%."
)


@strawberry.input(description="Local dates in the store's time zone, both included.")
class AnalyticsPeriodInput:
    from_: date = strawberry.field(name="from")
    to: date


@strawberry.type(name="AnalyticsPeriod")
class PeriodOut:
    from_: date = strawberry.field(name="from")
    to: date
    days: int

    @classmethod
    def of(cls, period: Period) -> PeriodOut:
        return cls(from_=period.start, to=period.end, days=period.days)


def _period(value: AnalyticsPeriodInput) -> Period:
    return make_period(value.from_, value.to)


def _product(pk: int) -> relay.GlobalID:
    return relay.GlobalID("Product", str(pk))


# -- I1 ------------------------------------------------------------------------------------------


@strawberry.type
class ItemSales:
    product_id: relay.GlobalID
    name: str
    orders: int = strawberry.field(description="Completed orders holding the item.")
    quantity: int
    sales: int = strawberry.field(description="Line totals, in won.")


@strawberry.type
class TodaySummary:
    date: date = strawberry.field(description="Today in the store's time zone.")
    as_of: datetime
    sales: int = strawberry.field(description=SALES)
    orders: int = strawberry.field(description=ORDERS)
    average_ticket: int | None = strawberry.field(description="sales ÷ orders, in won.")
    visits: int = strawberry.field(description=VISITS)
    new_customers: int = strawberry.field(description=NEW_CUSTOMERS)
    cancelled: int = strawberry.field(description="Orders cancelled today.")
    refunded: int = strawberry.field(description="Refunded of today's orders, in won.")
    top_items: list[ItemSales] = strawberry.field(description="By quantity, at most 5.")

    @classmethod
    def of(cls, found: figures.Today) -> TodaySummary:
        return cls(
            date=found.day,
            as_of=found.as_of,
            sales=found.sales,
            orders=found.orders,
            average_ticket=found.average_ticket,
            visits=found.visits,
            new_customers=found.new_customers,
            cancelled=found.cancelled,
            refunded=found.refunded,
            top_items=[
                ItemSales(
                    product_id=_product(i.product_id),
                    name=i.name,
                    orders=i.orders,
                    quantity=i.quantity,
                    sales=i.sales,
                )
                for i in found.top_items
            ],
        )


# -- I2 ------------------------------------------------------------------------------------------


@strawberry.type
class HourFigure:
    weekday: int | None = strawberry.field(
        description="ISO weekday, 1 = Monday ... 7 = Sunday; null in byHour (every day)."
    )
    hour: int = strawberry.field(description="Local hour, 0-23.")
    orders: int = strawberry.field(description=ORDERS)
    sales: int = strawberry.field(description=SALES)
    average_orders: float = strawberry.field(
        description="Orders per day of the period (byHour) or per such weekday in it."
    )


@strawberry.type
class OrderPatterns:
    period: PeriodOut
    by_hour: list[HourFigure] = strawberry.field(description="24 entries, hour 0 to 23.")
    by_weekday_hour: list[HourFigure] = strawberry.field(
        description="168 entries: Monday 0h ... Sunday 23h."
    )

    @classmethod
    def of(cls, found: figures.Patterns) -> OrderPatterns:
        def out(slot: figures.SlotFigure) -> HourFigure:
            return HourFigure(
                weekday=None if slot.weekday is None else slot.weekday + 1,
                hour=slot.hour,
                orders=slot.orders,
                sales=slot.sales,
                average_orders=slot.average_orders,
            )

        return cls(
            period=PeriodOut.of(found.period),
            by_hour=[out(s) for s in found.by_hour],
            by_weekday_hour=[out(s) for s in found.by_weekday_hour],
        )


# -- I3 ------------------------------------------------------------------------------------------


@strawberry.type
class KpiCount:
    value: int
    previous: int
    change: int
    change_rate: float | None = strawberry.field(description=CHANGE_RATE)


@strawberry.type
class KpiRate:
    value: float | None
    previous: float | None
    change: float | None = strawberry.field(description="value - previous (a share, 0-1).")


def _count(found: figures.Kpis, name: str) -> KpiCount:
    value, previous = int(found.current[name] or 0), int(found.previous[name] or 0)
    return KpiCount(
        value=value,
        previous=previous,
        change=value - previous,
        change_rate=figures.ratio(value - previous, previous),
    )


def _rate(found: figures.Kpis, name: str) -> KpiRate:
    value, previous = found.current[name], found.previous[name]
    change = None if value is None or previous is None else value - previous
    return KpiRate(value=value, previous=previous, change=change)


@strawberry.type(description="The period's KPIs, each beside the previous period of the same kind.")
class Kpis:
    period: PeriodOut
    previous_period: PeriodOut = strawberry.field(
        description="The day, week (same weekdays) or month (same days, or the whole month) before."
    )
    visits: KpiCount = strawberry.field(description=VISITS)
    revisit_rate: KpiRate = strawberry.field(description=REVISIT_RATE)
    new_customers: KpiCount = strawberry.field(description=NEW_CUSTOMERS)
    rewards_issued: KpiCount = strawberry.field(description=REWARDS_ISSUED)
    rewards_used: KpiCount = strawberry.field(description=REWARDS_USED)
    points_issued: KpiCount = strawberry.field(description=POINTS_ISSUED)
    points_used: KpiCount = strawberry.field(description=POINTS_USED)
    sales: KpiCount = strawberry.field(description=SALES)
    orders: KpiCount = strawberry.field(description=ORDERS)

    @classmethod
    def of(cls, found: figures.Kpis) -> Kpis:
        return cls(
            period=PeriodOut.of(found.period),
            previous_period=PeriodOut.of(found.previous_period),
            visits=_count(found, "visits"),
            revisit_rate=_rate(found, "revisit_rate"),
            new_customers=_count(found, "new_customers"),
            rewards_issued=_count(found, "rewards_issued"),
            rewards_used=_count(found, "rewards_used"),
            points_issued=_count(found, "points_issued"),
            points_used=_count(found, "points_used"),
            sales=_count(found, "sales"),
            orders=_count(found, "orders"),
        )


# -- I4 ------------------------------------------------------------------------------------------


@strawberry.type(description="The store's figure against its area: never another store's own.")
class AreaStanding:
    value: float = strawberry.field(description="The store's own figure.")
    area_average: float = strawberry.field(
        description="The average over the stores compared (the store included)."
    )
    ratio_to_average: float | None = strawberry.field(
        description="value ÷ areaAverage: 0.8 reads 'revisit rate is 80% of the area average'."
    )
    top_percent: float = strawberry.field(description=TOP_PERCENT)
    stores_compared: int

    @classmethod
    def of(cls, found: benchmark.Standing | None) -> AreaStanding | None:
        if found is None:
            return None
        return cls(
            value=found.value,
            area_average=found.area_average,
            ratio_to_average=found.ratio_to_average,
            top_percent=found.top_percent,
            stores_compared=found.stores_compared,
        )


@strawberry.type(
    description=(
        "The store against the stores of its commercial area, read from their daily rollups "
        "(the other stores' as of at most 5 minutes ago). "
        f"A figure is given only when at least {benchmark.MIN_STORES} stores are compared; "
        "otherwise it is null and note says why."
    )
)
class AreaBenchmark:
    area: str
    period: PeriodOut
    stores_in_area: int
    minimum_stores: int
    comparable: bool = strawberry.field(description="Whether the area is large enough to compare.")
    note: str | None
    visits: AreaStanding | None = strawberry.field(description=VISITS)
    revisit_rate: AreaStanding | None = strawberry.field(description=REVISIT_RATE)

    @classmethod
    def of(cls, found: benchmark.Benchmark) -> AreaBenchmark:
        return cls(
            area=found.area,
            period=PeriodOut.of(found.period),
            stores_in_area=found.stores_in_area,
            minimum_stores=benchmark.MIN_STORES,
            comparable=found.comparable,
            note=found.note,
            visits=AreaStanding.of(found.visits),
            revisit_rate=AreaStanding.of(found.revisit_rate),
        )


# -- I5 ------------------------------------------------------------------------------------------


@strawberry.enum
class InsightKind(Enum):
    WEAK_DAYPART = "WEAK_DAYPART"
    DORMANT_REGULARS = "DORMANT_REGULARS"
    TIER_NEAR = "TIER_NEAR"


@strawberry.type
class Evidence:
    name: str
    value: str


@strawberry.type(description="A targeted message to the insight's audience, ready to send.")
class SuggestedMessage:
    text: str = strawberry.field(description="A draft in Korean; the owner may change it.")
    audience_size: int
    insight_key: str = strawberry.field(description="Names the audience for the messages engine.")


DAYPART_NAMES = {
    "MORNING": ("mornings", "오전"),
    "LUNCH": ("lunchtimes", "점심"),
    "AFTERNOON": ("afternoons", "오후"),
    "EVENING": ("evenings", "저녁"),
    "LATE": ("late evenings", "늦은 저녁"),
}
DAY_TYPES = {"WEEKDAY": ("Weekday", "평일"), "WEEKEND": ("Weekend", "주말")}


def _words(row: AnalyticsInsight) -> tuple[str, str]:
    """(summary, suggested message) of a finding."""
    e: dict[str, Any] = row.evidence
    if row.kind == InsightKind.WEAK_DAYPART.value:
        part, part_ko = DAYPART_NAMES[e["dayPart"]]
        day_type, day_ko = DAY_TYPES[e["dayType"]]
        return (
            f"{day_type} {part} ({e['hours']}) are {e['belowAveragePercent']}% below the "
            f"store's average: {e['ordersPerHour']} orders an hour against "
            f"{e['storeOrdersPerHour']}.",
            f"{day_ko} {part_ko}에 들르시면 특별 혜택을 드려요! "
            f"이번 주 {day_ko} {part_ko}에 만나요.",
        )
    if row.kind == InsightKind.DORMANT_REGULARS.value:
        return (
            f"{e['dormantRegulars']} regulars ({e['sharePercent']}% of {e['regulars']}) have not "
            f"come for {e['dormantDays']} days or more.",
            "오랜만이에요! 다시 방문하시면 단골 고객님께 특별 혜택을 드려요.",
        )
    return (
        f"{e['customers']} customers are within {100 - e['nearPercent']}% of every criterion "
        f"of the {e['tier']} tier.",
        f"조금만 더 방문하시면 {e['tier']} 등급이 됩니다! 다음 방문을 기다릴게요.",
    )


@strawberry.type(description="A finding from the store's own data, with its evidence and audience.")
class Insight:
    key: str = strawberry.field(description="Stable: the same finding keeps its key.")
    kind: InsightKind
    summary: str
    score: float = strawberry.field(description="How strong the finding is, 0-1; strongest first.")
    evidence: list[Evidence]
    suggested_action: SuggestedMessage
    computed_at: datetime
    _audience: strawberry.Private[list[int]]

    @field(description="Customers the suggested message goes to (at most first).")
    def audience(self, first: int = 100) -> list[relay.GlobalID]:
        return [relay.GlobalID("Customer", str(pk)) for pk in self._audience[: max(first, 0)]]

    @classmethod
    def of(cls, row: AnalyticsInsight) -> Insight:
        summary, message = _words(row)
        return cls(
            key=row.key,
            kind=InsightKind(row.kind),
            summary=summary,
            score=row.score,
            evidence=[Evidence(name=k, value=str(v)) for k, v in row.evidence.items()],
            suggested_action=SuggestedMessage(
                text=message, audience_size=len(row.audience), insight_key=row.key
            ),
            computed_at=row.computed_at,
            _audience=list(row.audience),
        )


# -- I6 ------------------------------------------------------------------------------------------


@strawberry.type
class AmountBand:
    from_: int = strawberry.field(name="from", description="Won, included.")
    to: int | None = strawberry.field(description="Won, excluded; null: no upper bound.")
    orders: int


@strawberry.type
class ProductShare:
    product_id: relay.GlobalID
    name: str
    orders: int = strawberry.field(description="First-visit orders holding the product.")
    share: float = strawberry.field(description="orders ÷ first-time customers.")


@strawberry.type(description="Two products often bought together in first visits: a bundle idea.")
class BundleSuggestion:
    first_product_id: relay.GlobalID
    first_name: str
    second_product_id: relay.GlobalID
    second_name: str
    orders: int = strawberry.field(description="First-visit orders holding both.")
    support: float = strawberry.field(description="orders ÷ first-visit orders.")
    confidence: float = strawberry.field(
        description="orders ÷ first-visit orders holding the first."
    )
    lift: float = strawberry.field(
        description="support ÷ (share of the first × share of the second); above 1: together."
    )


@strawberry.type
class FirstVisitAnalytics:
    period: PeriodOut
    first_time_customers: int = strawberry.field(description=NEW_CUSTOMERS)
    converted: int = strawberry.field(description=CONVERSION)
    conversion_rate: float | None = strawberry.field(description="converted ÷ firstTimeCustomers.")
    awaiting_return: int = strawberry.field(
        description="First-time customers of the last 30 days who have not come back yet."
    )
    amount_distribution: list[AmountBand] = strawberry.field(
        description="First-visit orders by amount (net of refunds)."
    )
    top_products: list[ProductShare]
    bought_together: list[BundleSuggestion] = strawberry.field(
        description="Pairs in at least 2 first-visit orders with lift above 1, by support."
    )

    @classmethod
    def of(cls, found: figures.FirstVisits) -> FirstVisitAnalytics:
        return cls(
            period=PeriodOut.of(found.period),
            first_time_customers=found.first_time_customers,
            converted=found.converted,
            conversion_rate=found.conversion_rate,
            awaiting_return=found.awaiting_return,
            amount_distribution=[
                AmountBand(from_=b.floor, to=b.ceiling, orders=b.orders) for b in found.amount_bands
            ],
            top_products=[
                ProductShare(
                    product_id=_product(p.product_id), name=p.name, orders=p.orders, share=p.share
                )
                for p in found.top_products
            ],
            bought_together=[
                BundleSuggestion(
                    first_product_id=_product(p.first_id),
                    first_name=p.first_name,
                    second_product_id=_product(p.second_id),
                    second_name=p.second_name,
                    orders=p.orders,
                    support=p.support,
                    confidence=p.confidence,
                    lift=p.lift,
                )
                for p in found.bought_together
            ],
        )


# -- I7 and K4 -----------------------------------------------------------------------------------


@strawberry.type(
    description="Orders each account completed, and the first-time customers it served."
)
class StaffPerformance:
    account_id: relay.GlobalID | None = strawberry.field(
        description="null: orders completed by a partner key."
    )
    name: str | None
    orders_handled: int = strawberry.field(description=ORDERS)
    sales: int = strawberry.field(description=SALES)
    first_time_customers_served: int
    returned: int = strawberry.field(description=CONVERSION)
    conversion_rate: float | None


@strawberry.type(
    description="Activity and sales of a tier's members, by the tier held at each visit."
)
class TierActivity:
    tier_id: relay.GlobalID | None = strawberry.field(description="null: customers without a tier.")
    name: str | None
    rank: int | None
    members: int | None = strawberry.field(
        description="Customers holding the tier now; null on the row of customers without one."
    )
    visits: int = strawberry.field(description=VISITS)
    sales: int = strawberry.field(description=SALES)
    average_ticket: int | None
    share_of_sales: float | None
    visits_per_member: float | None


# -- the fields ----------------------------------------------------------------------------------


async def _analytics_store(source: Any, kwargs: dict[str, Any], ctx: Any) -> int:
    return int(source.store_id)


@strawberry.type(description="A store's analytics; each panel declares who may see it.")
class Analytics:
    store_id: strawberry.Private[int]

    @query("analytics.today", store=_analytics_store)
    async def today(self, info: Info) -> TodaySummary:
        return TodaySummary.of(await figures.today_of(self.store_id))

    @query("analytics.patterns", store=_analytics_store)
    async def order_patterns(self, info: Info, period: AnalyticsPeriodInput) -> OrderPatterns:
        return OrderPatterns.of(await figures.patterns_of(self.store_id, _period(period)))

    @query(
        "analytics.kpis",
        store=_analytics_store,
        description="The period must be a calendar day, week or month (whole or to date).",
    )
    async def kpis(self, info: Info, period: AnalyticsPeriodInput) -> Kpis:
        return Kpis.of(await figures.kpis_of(self.store_id, period.from_, period.to))

    @query(
        "analytics.benchmarks",
        store=_analytics_store,
        plan=Plan.PLUS,
        description="The period must be a calendar day, week or month (whole or to date).",
    )
    async def area_benchmark(self, info: Info, period: AnalyticsPeriodInput) -> AreaBenchmark:
        return AreaBenchmark.of(
            await benchmark.benchmark_of(self.store_id, period.from_, period.to)
        )

    @query("analytics.insights", store=_analytics_store, plan=Plan.PREMIUM)
    async def insights(self, info: Info) -> list[Insight]:
        return [Insight.of(row) for row in await insights.insights_of(self.store_id)]

    @query("analytics.first_visit", store=_analytics_store)
    async def first_visits(
        self, info: Info, period: AnalyticsPeriodInput, top: int = 10
    ) -> FirstVisitAnalytics:
        found = await figures.first_visits_of(self.store_id, _period(period), top=_top(top))
        return FirstVisitAnalytics.of(found)

    @query("analytics.staff_performance", store=_analytics_store)
    async def staff_performance(
        self, info: Info, period: AnalyticsPeriodInput
    ) -> list[StaffPerformance]:
        return [
            StaffPerformance(
                account_id=None
                if f.account_id is None
                else relay.GlobalID("Account", str(f.account_id)),
                name=f.name,
                orders_handled=f.orders,
                sales=f.sales,
                first_time_customers_served=f.first_time_customers,
                returned=f.converted,
                conversion_rate=f.conversion_rate,
            )
            for f in await figures.staff_of(self.store_id, _period(period))
        ]

    @query("analytics.by_tier", store=_analytics_store)
    async def by_tier(self, info: Info, period: AnalyticsPeriodInput) -> list[TierActivity]:
        return [
            TierActivity(
                tier_id=None if f.tier_id is None else relay.GlobalID("Tier", str(f.tier_id)),
                name=f.name,
                rank=f.rank,
                members=f.members,
                visits=f.visits,
                sales=f.sales,
                average_ticket=f.average_ticket,
                share_of_sales=f.share_of_sales,
                visits_per_member=f.visits_per_member,
            )
            for f in await figures.tiers_of(self.store_id, _period(period))
        ]


def _top(top: int) -> int:
    if not 1 <= top <= 50:
        raise InvalidInput("top is between 1 and 50.", field="top")
    return top


@strawberry.type
class StoreAnalytics(StoreProfile):
    @field(description="The store's analytics panels (each one declares its action).")
    def analytics(self) -> Analytics:
        return Analytics(store_id=self.id)
