"""Partner keys reach messages only through an action granted to them."""

from __future__ import annotations

from tests.client import Api, error_code, gid
from tests.messages.helpers import STORE1, owner

GRANT = """mutation ($input: PermissionInput!) {
  grantPermission(input: $input) { __typename ... on UserError { code message } } }"""
CREATE_KEY = """mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  __typename ... on CreateApiKeySuccess { secret } ... on UserError { code message } } }"""
TEMPLATES = "query($id: ID!) { store(id: $id) { messageTemplates { totalCount } } }"
SEND = """mutation($input: CreateMessageTemplateInput!) {
  createMessageTemplate(input: $input) { __typename } }"""


async def _key(api: Api, token: str, actions: list[str]) -> dict:
    variables = {"input": {"storeId": STORE1, "name": "CRM", "actions": actions}}
    return dict((await api.data(CREATE_KEY, variables, token=token))["createApiKey"])


async def test_a_partner_key_reads_messages_only_once_the_action_is_granted_and_held(
    api: Api,
) -> None:
    # given: the partner role holds no message action by default
    token = await owner(api)
    refused = await _key(api, token, ["store.read", "messages.read"])
    # when the owner grants it to partners of the store, and makes keys with and without it
    granted = await api.data(
        GRANT,
        {"input": {"role": "partner", "action": "messages.read", "storeId": STORE1}},
        token=token,
    )
    holding = (await _key(api, token, ["store.read", "messages.read"]))["secret"]
    without = (await _key(api, token, ["store.read"]))["secret"]
    # then
    assert refused["__typename"] == "InvalidInput"
    assert granted["grantPermission"]["__typename"] == "AccessPolicySuccess", granted
    read = await api.gql(TEMPLATES, {"id": STORE1}, token=holding)
    assert read["data"]["store"]["messageTemplates"]["totalCount"] == 0
    assert error_code(await api.gql(TEMPLATES, {"id": STORE1}, token=without)) == "FORBIDDEN"
    other_store = await api.gql(TEMPLATES, {"id": gid("Store", 2)}, token=holding)
    assert other_store["data"]["store"] is None
    send = {"input": {"storeId": STORE1, "name": "t", "body": "안녕"}}
    assert error_code(await api.gql(SEND, send, token=holding)) == "FORBIDDEN"
