"""The demo store gets a sent campaign with its deliveries and a visible effect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.demo import DEMO_STORES
from app.demo_messages import seed_demo_messages
from models.messages import MessageCampaign, MessageDelivery
from resolvers.messages.effect import effect_of
from tests.messages.helpers import customers
from tests.orders.factories import product


async def test_the_demo_has_a_sent_campaign_with_deliveries_and_effect(app: object) -> None:
    # given dormant consenting customers and a catalogue, as the demo generator leaves them
    long_ago = datetime.now(UTC) - timedelta(days=90)
    await customers(120, visit_count=2, first_visit_at=long_ago, last_visit_at=long_ago)
    await product()
    # when
    made = await seed_demo_messages(DEMO_STORES[0][0])
    again = await seed_demo_messages(DEMO_STORES[0][0])
    # then
    campaign = await MessageCampaign.get(store_id=1)
    found = await effect_of(campaign)
    assert (made, again) == (120, 0)
    assert campaign.status.value == "SENT" and campaign.holdout_count == 12
    assert await MessageDelivery.filter(campaign_id=campaign.id, status="DELIVERED").exists()
    assert found.sent.visits > 0 and found.uplift is not None
