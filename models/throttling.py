from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class RateCounter(Model):
    """How many times something happened in one fixed window, shared by every server process."""

    id = fields.BigIntField(primary_key=True)
    bucket = fields.CharField(max_length=200)
    window_start: int = fields.BigIntField()
    count = fields.IntField(default=0)

    class Meta:
        table = "rate_counter"
        unique_together = (("bucket", "window_start"),)
