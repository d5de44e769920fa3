from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from models.accounts import Account as AccountModel
from models.stores import Membership, StaffInvitation as StaffInvitationModel, Store as StoreModel
from policies.catalogue import account_subject
from resolvers import staff
from schema.accounts import Account
from schema.enums import InvitationStatus, StoreRole
from schema.errors import result
from schema.ids import decode_id, global_id, pk_of
from schema.operations import PUBLIC, SIGNED_IN, mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile


@strawberry.type
class StaffMember(relay.Node):
    id: relay.NodeID[int]
    account: Account
    roles: list[str]
    is_active: bool
    joined_at: datetime
    deactivated_at: datetime | None


@strawberry.type
class StaffMemberConnection(Connection[StaffMember]):
    pass


async def staff_member(info: Info, membership: Membership) -> StaffMember:
    policy = await info.context.current_policy()
    account = await info.context.loaders.rows(AccountModel).load(membership.account_id)
    return StaffMember(
        id=membership.id,
        account=Account.from_model(account),
        roles=sorted(policy.roles(account_subject(account.id), membership.store_id))
        if membership.is_active
        else [],
        is_active=membership.is_active,
        joined_at=membership.created_at,
        deactivated_at=membership.deactivated_at,
    )


async def staff_connection(
    info: Info, store_id: int, first: int | None, after: str | None, include_inactive: bool
) -> StaffMemberConnection:
    size = page_size(first)
    cursor = decode_cursor(after, (int,))
    query = Membership.filter(store_id=store_id)
    if not include_inactive:
        query = query.filter(is_active=True)
    if cursor:
        query = query.filter(id__gt=cursor[0])
    rows = await query.order_by("id").limit(size + 1)
    await info.context.loaders.rows(AccountModel).load_many([row.account_id for row in rows])
    members = [await staff_member(info, row) for row in rows[:size]]
    by_id = {member.id: member for member in members}
    return connection(
        StaffMemberConnection,
        rows,
        size,
        key=lambda row: [row.id],
        node=lambda row: by_id[row.id],
        has_previous=cursor is not None,
        total=query.count,
    )


@strawberry.input
class InviteStaffInput:
    store_id: relay.GlobalID
    email: str
    name: str
    role: StoreRole


@strawberry.input
class ChangeStaffRoleInput:
    staff_member_id: relay.GlobalID
    role: StoreRole


@strawberry.input
class DeactivateStaffInput:
    staff_member_id: relay.GlobalID


@strawberry.type(
    description="An invitation to a store's staff. The answer to the inviter is the same "
    "whether or not its email has an account; only the email's holder answers it."
)
class StaffInvitation:
    id: relay.GlobalID
    email: str
    name: str = strawberry.field(description="The name the inviter gave.")
    role: StoreRole
    status: InvitationStatus
    store_name: str
    invited_at: datetime
    expires_at: datetime

    @classmethod
    def from_model(cls, row: StaffInvitationModel, store_name: str) -> "StaffInvitation":
        return cls(
            id=global_id("StaffInvitation", row.id),
            email=row.email,
            name=row.name,
            role=StoreRole(row.role),
            status=row.status,
            store_name=store_name,
            invited_at=row.created_at,
            expires_at=row.expires_at,
        )


async def staff_invitation(info: Info, row: StaffInvitationModel) -> StaffInvitation:
    store = await info.context.loaders.rows(StoreModel).load(row.store_id)
    return StaffInvitation.from_model(row, store.name if store else "")


@strawberry.type
class InviteStaffSuccess:
    invitation: StaffInvitation
    invitation_code: str = strawberry.field(
        description="Shown once: the invitee without an account joins with it "
        "(joinWithInvitation); one with an account signs in and accepts instead."
    )


@strawberry.input
class AnswerStaffInvitationInput:
    invitation_id: relay.GlobalID


@strawberry.input
class JoinWithInvitationInput:
    invitation_code: str
    password: str


@strawberry.type
class StaffInvitationSuccess:
    invitation: StaffInvitation
    staff_member: StaffMember | None = strawberry.field(
        description="The membership the invitation gave; null when it was declined."
    )


@strawberry.type
class StaffMemberSuccess:
    staff_member: StaffMember


InviteStaffResult = result(
    "InviteStaffResult",
    InviteStaffSuccess,
    errors.InvalidInput,
    errors.AlreadyExists,
    errors.NotFound,
)
ChangeStaffRoleResult = result(
    "ChangeStaffRoleResult",
    StaffMemberSuccess,
    errors.InvalidInput,
    errors.LastOwner,
    errors.NotFound,
)
AcceptStaffInvitationResult = result(
    "AcceptStaffInvitationResult",
    StaffInvitationSuccess,
    errors.NotFound,
    staff.PlatformAdminCannotJoin,
)
DeclineStaffInvitationResult = result(
    "DeclineStaffInvitationResult", StaffInvitationSuccess, errors.NotFound
)
JoinWithInvitationResult = result(
    "JoinWithInvitationResult",
    StaffInvitationSuccess,
    errors.NotFound,
    errors.InvalidInput,
    staff.InvitationNeedsSignIn,
)
DeactivateStaffResult = result(
    "DeactivateStaffResult",
    StaffMemberSuccess,
    errors.LastOwner,
    errors.NotFound,
)


async def _answered(info: Info, answered: staff.AnsweredInvitation) -> StaffInvitationSuccess:
    return StaffInvitationSuccess(
        invitation=await staff_invitation(info, answered.invitation),
        staff_member=None
        if answered.membership is None
        else await staff_member(info, answered.membership),
    )


_membership_store = owner_store_of("input.staff_member_id", Membership, "StaffMember")


@strawberry.type
class Mutation:
    @mutation(
        "staff.invite",
        store=store_id_at("input.store_id"),
        absent="store",
        result=InviteStaffResult,
    )
    async def invite_staff(self, info: Info, input: InviteStaffInput) -> InviteStaffSuccess:
        sent = await staff.invite_staff(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            email=input.email,
            name=input.name,
            role=input.role.value,
        )
        return InviteStaffSuccess(
            invitation=await staff_invitation(info, sent.invitation), invitation_code=sent.code
        )

    @mutation(SIGNED_IN, result=AcceptStaffInvitationResult)
    async def accept_staff_invitation(
        self, info: Info, input: AnswerStaffInvitationInput
    ) -> StaffInvitationSuccess:
        answered = await staff.accept(
            info.context,
            invitation_id=pk_of(input.invitation_id, "StaffInvitation", field="invitation_id"),
        )
        return await _answered(info, answered)

    @mutation(SIGNED_IN, result=DeclineStaffInvitationResult)
    async def decline_staff_invitation(
        self, info: Info, input: AnswerStaffInvitationInput
    ) -> StaffInvitationSuccess:
        answered = await staff.decline(
            info.context,
            invitation_id=pk_of(input.invitation_id, "StaffInvitation", field="invitation_id"),
        )
        return await _answered(info, answered)

    @mutation(PUBLIC, result=JoinWithInvitationResult)
    async def join_with_invitation(
        self, info: Info, input: JoinWithInvitationInput
    ) -> StaffInvitationSuccess:
        answered = await staff.join(
            info.context, code=input.invitation_code, password=input.password
        )
        return await _answered(info, answered)

    @mutation(
        "staff.change_role",
        store=_membership_store,
        absent="staff member",
        result=ChangeStaffRoleResult,
    )
    async def change_staff_role(
        self, info: Info, input: ChangeStaffRoleInput
    ) -> StaffMemberSuccess:
        membership = await staff.change_role(
            info.context,
            membership_id=decode_id(input.staff_member_id, "StaffMember"),
            role=input.role.value,
        )
        return StaffMemberSuccess(staff_member=await staff_member(info, membership))

    @mutation(
        "staff.deactivate",
        store=_membership_store,
        absent="staff member",
        result=DeactivateStaffResult,
    )
    async def deactivate_staff(self, info: Info, input: DeactivateStaffInput) -> StaffMemberSuccess:
        membership = await staff.deactivate(
            info.context, membership_id=decode_id(input.staff_member_id, "StaffMember")
        )
        return StaffMemberSuccess(staff_member=await staff_member(info, membership))


@strawberry.type
class Query:
    @query(SIGNED_IN, description="The pending invitations addressed to the signed-in account.")
    async def staff_invitations(self, info: Info) -> list[StaffInvitation]:
        principal = await info.context.principal()
        rows = await staff.invitations_of(principal.account_id)
        return [await staff_invitation(info, row) for row in rows]


@strawberry.type
class StoreStaff(StoreProfile):
    @query("staff.read", store=source_store())
    async def staff(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_inactive: bool = False,
    ) -> StaffMemberConnection:

        return await staff_connection(info, self.id, first, after, include_inactive)
