from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from models.accounts import Account as AccountModel
from models.stores import Store as StoreModel
from policies.catalogue import ADMIN
from resolvers import accounts, notifications
from resolvers.accounts import IssuedTokens
from schema.errors import result
from schema.notifications import NotificationSetting
from schema.operations import PUBLIC, SIGNED_IN, mutation, query
from schema.refs import StoreRef
from schema.stores import StoreProfile


@strawberry.type
class Account(relay.Node):
    id: relay.NodeID[int]
    email: str
    name: str
    is_active: bool
    created_at: datetime

    @classmethod
    def from_model(cls, account: AccountModel) -> "Account":
        return cls(
            id=account.id,
            email=account.email,
            name=account.name,
            is_active=account.is_active,
            created_at=account.created_at,
        )


@strawberry.type
class StoreMembership:
    store: StoreProfile = strawberry.field(graphql_type=StoreRef)
    roles: list[str]


@strawberry.type
class Me:
    account: Account
    is_platform_admin: bool

    @strawberry.field
    async def memberships(self, info: Info) -> list[StoreMembership]:
        policy = await info.context.current_policy()
        by_store = policy.store_roles(f"account:{self.account.id}")
        stores = await info.context.loaders.rows(StoreModel).load_many(sorted(by_store))
        return [
            StoreMembership(store=StoreProfile.from_model(store), roles=sorted(by_store[store.id]))
            for store in stores
            if store is not None
        ]

    @strawberry.field
    async def notification_settings(self) -> list[NotificationSetting]:
        return [
            NotificationSetting.from_domain(setting)
            for setting in await notifications.settings_of(self.account.id)
        ]


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class RefreshSessionInput:
    refresh_token: str


@strawberry.input
class LogoutInput:
    refresh_token: str


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.type
class SessionTokens:
    access_token: str
    refresh_token: str
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")
    account: Account

    @classmethod
    def from_domain(cls, issued: IssuedTokens) -> "SessionTokens":
        return cls(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            expires_in=issued.expires_in,
            account=Account.from_model(issued.account),
        )


@strawberry.type
class LogoutSuccess:
    ok: bool = True


@strawberry.type
class ChangePasswordSuccess:
    account: Account


LoginResult = result("LoginResult", SessionTokens, errors.InvalidCredentials)
RefreshSessionResult = result("RefreshSessionResult", SessionTokens, errors.InvalidRefreshToken)
LogoutResult = result("LogoutResult", LogoutSuccess, errors.InvalidRefreshToken)
ChangePasswordResult = result(
    "ChangePasswordResult",
    ChangePasswordSuccess,
    errors.InvalidCredentials,
    errors.InvalidInput,
)


@strawberry.type
class Query:
    @query(SIGNED_IN, description="The signed-in account.")
    async def me(self, info: Info) -> Me | None:
        principal = await info.context.principal()
        account = await info.context.loaders.rows(AccountModel).load(principal.account_id)
        policy = await info.context.current_policy()
        return Me(
            account=Account.from_model(account),
            is_platform_admin=ADMIN in policy.roles(principal.subject, None),
        )


@strawberry.type
class Mutation:
    @mutation(
        PUBLIC,
        result=LoginResult,
        nullable=True,
        description="Nullable so that, when sign-ins are aliased into one request, "
        "a refused one (RATE_LIMITED) does not hide the answers of the others.",
    )
    async def login(self, info: Info, input: LoginInput) -> SessionTokens | None:
        issued = await accounts.login(info.context, email=input.email, password=input.password)
        return SessionTokens.from_domain(issued)

    @mutation(PUBLIC, result=RefreshSessionResult)
    async def refresh_session(self, info: Info, input: RefreshSessionInput) -> SessionTokens:
        issued = await accounts.refresh(info.context, refresh_token=input.refresh_token)
        return SessionTokens.from_domain(issued)

    @mutation(PUBLIC, result=LogoutResult)
    async def logout(self, info: Info, input: LogoutInput) -> LogoutSuccess:
        await accounts.logout(info.context, refresh_token=input.refresh_token)
        return LogoutSuccess()

    @mutation(SIGNED_IN, result=ChangePasswordResult)
    async def change_password(
        self, info: Info, input: ChangePasswordInput
    ) -> ChangePasswordSuccess:
        account = await accounts.change_password(
            info.context,
            current_password=input.current_password,
            new_password=input.new_password,
        )
        return ChangePasswordSuccess(account=Account.from_model(account))
