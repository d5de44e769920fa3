"""Acting as an account straight through the resolvers, with time in the test's hands."""

from __future__ import annotations

from typing import Any

from core.context import Context
from models.accounts import Account
from policies.enforcement import Principal


async def context_of(app: Any, email: str) -> Context:
    account = await Account.get(email=email)
    return Context.for_principal(app.state.services, Principal(account_id=account.id))
