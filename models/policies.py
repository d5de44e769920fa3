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


class OfferedDefaultRule(Model):
    """A rule of the default policy this database was given once (an admin may revoke it).

    Kept so that rules added to the default policy later (a new feature's actions) reach a
    database installed before them, while rules an admin revoked are not offered again.
    """

    id = fields.IntField(primary_key=True)
    rule = fields.CharField(max_length=600, unique=True)

    class Meta:
        table = "offered_default_rule"
