"""The customers domain's schema: types, mutations, feedback and the Store fields it adds."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.customers import feedback, mutations
from schema.customers.feedback import Feedback, StoreAlert

Mutation = merge_types("CustomersMutation", (mutations.Mutation, feedback.Mutation))
NODE_TYPES = [Feedback, StoreAlert]
