"""Re-sealing customers' PII under the current key version (``python -m app rotate-keys``)."""

from __future__ import annotations

from core.database import write_transaction
from core.settings import Settings
from models.customers import Customer
from resolvers.customers.records import opened, sealed
from resolvers.pii import keys_for


async def rotate(settings: Settings, *, batch: int = 1000, reindex: bool = False) -> int:
    """Re-seal every row under an older key (all rows with ``reindex``); returns the rows changed.

    Each batch is one transaction; a row changed meanwhile is left to the next run.
    """
    keys = keys_for(settings)
    changed, last_id = 0, 0
    while True:
        query = Customer.filter(id__gt=last_id).order_by("id").limit(batch)
        if not reindex:
            query = query.filter(key_version__not=keys.version)
        rows = await query
        if not rows:
            return changed
        async with write_transaction():
            for row in rows:
                name, phone = opened(keys, row)
                values = sealed(
                    keys, store_id=row.store_id, customer_id=row.id, name=name, phone=phone
                )
                changed += await Customer.filter(
                    id=row.id, key_version=row.key_version, name_encrypted=row.name_encrypted
                ).update(**values)
        last_id = rows[-1].id
