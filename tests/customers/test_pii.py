from __future__ import annotations

import asyncio
import random
import subprocess
from dataclasses import replace
from pathlib import Path

import phonenumbers
import pytest

from core.settings import Settings
from models.audit import AuditEntry
from models.customers import Customer
from resolvers.customers.records import opened
from resolvers.customers.rotation import rotate
from resolvers.pii import PiiKeyMissing, display_phone, keys_for, mask_name, mask_phone
from tests.client import Api
from tests.customers import factories
from tests.customers.helpers import CUSTOMERS, STORE1, owner, register

PLAINTEXTS = ["김민수", "01012345678", "+821012345678", "010-1234-5678", "1234-5678", "12345678"]


async def _database_bytes(settings: Settings) -> bytes:
    url = settings.database_url
    if url.startswith("sqlite://"):
        path = Path(url.removeprefix("sqlite://"))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    dump = await asyncio.to_thread(
        subprocess.run, ["pg_dump", "--data-only", url], capture_output=True, check=True
    )
    return dump.stdout


async def test_database_holds_no_plaintext_name_or_phone(api: Api, settings: Settings) -> None:
    # given
    token = await owner(api)
    await register(api, token, name="김민수", phone="+82 10 1234 5678", tags=["단골"])
    await api.data(
        "mutation($i: ImportCustomersInput!) { importCustomers(input: $i) { __typename } }",
        {"i": {"storeId": STORE1, "csv": "name,phone\n이영희,010-5555-6666\n"}},
        token=token,
    )
    await api.data(CUSTOMERS, {"id": STORE1}, token=token)
    # when
    stored = await _database_bytes(settings)
    # then
    assert b"customer" in stored
    for plain in PLAINTEXTS + ["이영희", "01055556666", "5555-6666"]:
        assert plain.encode() not in stored, plain


async def test_staff_and_managers_see_masked_values_owners_whole(api: Api) -> None:
    # given
    await factories.customer(1, name="김민수", phone="010-1234-5678")
    seen = {}
    # when
    for who in ("owner1", "manager1", "staff1", "admin"):
        data = await api.data(
            CUSTOMERS, {"id": STORE1}, token=await api.token(f"{who}@dangol.test")
        )
        node = data["store"]["customers"]["edges"][0]["node"]
        seen[who] = (node["name"], node["phone"])
    # then
    assert seen["owner1"] == seen["admin"] == ("김민수", "010-1234-5678")
    assert seen["manager1"] == seen["staff1"] == ("김*수", "010-****-5678")


async def test_a_reveal_is_audited_once_per_request_and_a_masked_view_not_at_all(api: Api) -> None:
    # given
    for _ in range(3):
        await factories.customer(1)
    # when
    await api.data(CUSTOMERS, {"id": STORE1}, token=await api.token("staff1@dangol.test"))
    masked = await AuditEntry.filter(action="customers.reveal_pii").count()
    await api.data(CUSTOMERS, {"id": STORE1}, token=await owner(api))
    # then
    assert masked == 0
    assert await AuditEntry.filter(action="customers.reveal_pii", store_id=1).count() == 1


async def test_partner_key_sees_whole_values_only_with_reveal_in_its_key(api: Api) -> None:
    # given
    await factories.customer(1, name="김민수", phone="010-1234-5678")
    create = """mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) {
      __typename ... on CreateApiKeySuccess { secret } } }"""
    token = await owner(api)
    secrets = []
    for actions in (
        ["store.read", "customers.read"],
        ["store.read", "customers.read", "customers.reveal_pii"],
    ):
        result = await api.data(
            create, {"i": {"storeId": STORE1, "name": "pos", "actions": actions}}, token=token
        )
        secrets.append(result["createApiKey"]["secret"])
    # when
    views = []
    for secret in secrets:
        data = await api.data(CUSTOMERS, {"id": STORE1}, token=secret)
        views.append(data["store"]["customers"]["edges"][0]["node"]["name"])
    # then
    assert views == ["김*수", "김민수"]


async def test_a_sealed_value_does_not_open_in_another_row(app: object, settings: Settings) -> None:
    # given
    first = await factories.customer(1)
    second = await factories.customer(1)
    # when
    await Customer.filter(id=second.id).update(phone_encrypted=first.phone_encrypted)
    # then
    with pytest.raises(PiiKeyMissing):
        opened(keys_for(settings), await Customer.get(id=second.id))


async def test_rotate_keys_reseals_every_row_under_the_new_version(
    settings: Settings, api: Api
) -> None:
    # given
    rows = [
        await factories.customer(1, name=f"고객{n}", phone=f"010-7000-000{n}") for n in range(3)
    ]
    rotated = replace(
        settings,
        pii_key="new-pii-key-" + "n" * 32,
        pii_key_version=2,
        pii_previous_keys=((1, settings.pii_key),),
    )
    # when
    changed = await rotate(rotated, batch=2)
    again = await rotate(rotated, batch=2)
    # then
    assert (changed, again) == (3, 0)
    only_new = replace(rotated, pii_previous_keys=())
    for n, row in enumerate(rows):
        fresh = await Customer.get(id=row.id)
        assert fresh.key_version == 2
        assert opened(keys_for(only_new), fresh) == (f"고객{n}", f"+82107000000{n}")


def test_masks() -> None:
    assert mask_name("김민수") == "김*수"
    assert mask_name("남궁민수") == "남**수"
    assert mask_name("이안") == "이*"
    assert mask_phone("+821012345678") == "010-****-5678"


FRAGMENTS = """query($id: ID!, $shown: Boolean!) { store(id: $id) { customers { edges {
  ... on CustomerEdge { node { ...Who } }
  node { masked: phone @include(if: $shown) } } } } }
fragment Who on Customer { name phone piiMasked }"""
TIER_ONLY = """query($id: ID!) { store(id: $id) { customers { edges { node { id
  tier { name } name @include(if: false) ... on Customer @skip(if: true) { phone } } } } } }"""


async def test_names_through_fragments_and_directives_are_masked_like_plain_ones(
    api: Api,
) -> None:
    # given: a list decides once, before its rows, when their names are asked; a field it does
    # not see (under a directive) is decided by the row itself
    await factories.customer(1, name="김민수", phone="010-1234-5678")
    seen = {}
    # when
    for who in ("owner1", "staff1"):
        data = await api.data(
            FRAGMENTS, {"id": STORE1, "shown": True}, token=await api.token(f"{who}@dangol.test")
        )
        seen[who] = data["store"]["customers"]["edges"][0]["node"]
    # then
    assert seen["owner1"] == {
        "name": "김민수",
        "phone": "010-1234-5678",
        "piiMasked": False,
        "masked": "010-1234-5678",
    }
    assert seen["staff1"] == {
        "name": "김*수",
        "phone": "010-****-5678",
        "piiMasked": True,
        "masked": "010-****-5678",
    }


async def test_a_page_without_names_or_phones_reveals_nothing(api: Api) -> None:
    # given
    await factories.customer(1)
    # when: a tier's name is not the customer's, and skipped fields are not asked
    data = await api.data(TIER_ONLY, {"id": STORE1}, token=await owner(api))
    # then
    assert len(data["store"]["customers"]["edges"]) == 1
    assert await AuditEntry.filter(action="customers.reveal_pii").count() == 0


def test_mobile_numbers_are_shown_as_phonenumbers_formats_them() -> None:
    # given: display_phone writes 010 numbers itself, without phonenumbers' parse
    rng = random.Random(9)
    numbers = [f"+8210{rng.randrange(10**8):08d}" for _ in range(500)]
    numbers += ["+82212345678", "+821112345678", "+8231123456", "+14155550100", "+8210123456789"]
    # when
    shown = {number: display_phone(number) for number in numbers}
    # then
    expected = {}
    for number in numbers:
        parsed = phonenumbers.parse(number, "KR")
        kind = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if phonenumbers.region_code_for_number(parsed) == "KR"
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        expected[number] = phonenumbers.format_number(parsed, kind)
    assert shown == expected


def test_keys_follow_the_settings_they_are_asked_for(settings: Settings) -> None:
    # given the keys of the settings, and of settings with the key rotated
    keys = keys_for(settings)
    rotated = replace(
        settings,
        pii_key="rotated-pii-key-" + "r" * 32,
        pii_key_version=2,
        pii_previous_keys=((1, settings.pii_key),),
    )
    sealed = keys.seal("김민수", store_id=1, customer_id=7, field_name="name")
    # then the same settings give the same keys, and the rotated ones their own
    assert keys_for(settings) is keys
    assert keys_for(replace(settings)) == keys
    assert keys_for(rotated).version == 2
    assert (
        keys_for(rotated).open(sealed, version=1, store_id=1, customer_id=7, field_name="name")
        == "김민수"
    )
    with pytest.raises(PiiKeyMissing):
        keys.open(
            keys_for(rotated).seal("김민수", store_id=1, customer_id=7, field_name="name"),
            version=2,
            store_id=1,
            customer_id=7,
            field_name="name",
        )
