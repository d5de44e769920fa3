from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class JobLease(Model):
    """Who may run a scheduled job now: one holder at a time, across every process."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=60, unique=True)
    holder = fields.CharField(max_length=100, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_run_at = fields.DatetimeField(null=True)

    class Meta:
        table = "job_lease"
