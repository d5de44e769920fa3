"""The table's own machinery must catch what it claims to: a wrong answer and a denied change."""

from __future__ import annotations

from tests.authorization.rows_stores import UPDATE_STORE
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    NOT_SNAPSHOTTED,
    OK,
    UNAUTHENTICATED,
    Row,
    World,
    run_row,
    snapshot,
)
from tests.client import Api


async def test_snapshot_covers_the_data_and_leaves_out_the_counters(app: object) -> None:
    state = await snapshot()
    for table in ("account", "store", "membership", "casbin_rule", "audit_entry", "api_key"):
        assert table in state
    assert not set(NOT_SNAPSHOTTED) & set(state)
    assert state["account"][0] == 7


async def test_a_change_made_by_a_call_the_table_says_is_denied_is_reported(api: Api) -> None:
    world = await World.build(api)
    wrong = Row(
        "Mutation.updateStore",
        UPDATE_STORE,
        lambda w, t: {"input": {"storeId": w.store(t), "phone": f"02-{w.unique('p')}"}},
        admin=(OK, OK),
        owner=(FORBIDDEN, ABSENT),  # wrong on purpose: the owner may update store 1
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    )
    failures = await run_row(wrong, world)
    assert len(failures) == 2, failures
    assert failures[0].split() == ["owner", "own", "expected", "forbidden,", "got", "allowed"]
    assert failures[1].startswith("owner       own   was denied but changed:")
    assert "audit_entry: (" in failures[1] and "store: (" in failures[1]
