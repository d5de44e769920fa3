"""The audit log (A6): owners read their store's log, admins read every store's."""

from __future__ import annotations

from tests.authorization.table import ABSENT, FORBIDDEN, OK, UNAUTHENTICATED, Row, World

STORE_AUDIT_LOG = (
    "query($id: ID!) { store(id: $id) { id auditLog { edges { node { id action } } } } }"
)
AUDIT_LOG = "query($storeId: ID) { auditLog(storeId: $storeId) { edges { node { id } } } }"
NODE_AUDIT_ENTRY = "query($id: ID!) { node(id: $id) { id ... on AuditEntry { action } } }"


async def _node(w: World, target: str) -> dict:
    return {"id": await w.audit_entry(target)}


ROWS = [
    Row(
        "Store.auditLog",
        STORE_AUDIT_LOG,
        lambda w, t: {"id": w.store(t)},
        #             own        other
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Query.node",
        NODE_AUDIT_ENTRY,
        _node,
        variant="AuditEntry",
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(ABSENT, ABSENT),
        staff=(ABSENT, ABSENT),
        partner=(ABSENT, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    # Every store's log is the platform's: owners read theirs through Store.auditLog.
    Row(
        "Query.auditLog",
        AUDIT_LOG,
        lambda w, t: {"storeId": w.store(t)},
        admin=OK,
        owner=FORBIDDEN,
        manager=FORBIDDEN,
        staff=FORBIDDEN,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=FORBIDDEN,
    ),
]
