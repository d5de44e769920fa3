from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class CasbinRule(Model):
    """One line of the Casbin policy.

    ``p, role, domain, action, effect`` or ``g, subject, role, domain``.
    """

    id = fields.IntField(primary_key=True)
    ptype = fields.CharField(max_length=10)
    v0 = fields.CharField(max_length=255, default="")
    v1 = fields.CharField(max_length=255, default="")
    v2 = fields.CharField(max_length=255, default="")
    v3 = fields.CharField(max_length=255, default="")
    v4 = fields.CharField(max_length=255, default="")
    v5 = fields.CharField(max_length=255, default="")

    class Meta:
        table = "casbin_rule"
        unique_together = (("ptype", "v0", "v1", "v2", "v3", "v4", "v5"),)


class PolicyVersion(Model):
    """A single row whose number grows with every policy change, so each process knows to reload."""

    id = fields.IntField(primary_key=True)
    version: int = fields.BigIntField(default=0)

    class Meta:
        table = "policy_version"
