"""``Download``: a short-lived signed link to ``GET /files/<token>`` (API.md, Files)."""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry
from strawberry.types import Info

from core.files import DEFAULT_TTL, FileClaim


@strawberry.type(description="A file to fetch with a plain GET before expiresAt; no header needed.")
class Download:
    filename: str
    content_type: str
    url: str
    expires_at: datetime


def download(
    info: Info,
    *,
    kind: str,
    object_id: int,
    store_id: int,
    filename: str,
    content_type: str,
    ttl: timedelta = DEFAULT_TTL,
) -> Download:
    """Sign a link to one file; call it from a field whose policy check has passed."""
    ctx = info.context
    link = ctx.services.files.sign(
        FileClaim(kind=kind, object_id=object_id, store_id=store_id), ttl=ttl
    )
    return Download(
        filename=filename,
        content_type=content_type,
        url=f"{ctx.base_url}/files/{link.token}",
        expires_at=link.expires_at,
    )
