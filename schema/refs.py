"""The types composed at the top of the schema, named from below without importing them.

``Store`` and ``Customer`` gather fields from every domain, so they are composed in
``schema/graph.py``, above the domains. A domain that answers a store or a customer
returns its profile (``StoreProfile``, ``CustomerProfile``) and declares the field's
GraphQL type with these references.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

COMPOSED_IN = "schema.graph"


def composed(type_name: str) -> Any:
    """A lazy reference to the type ``type_name`` of ``schema/graph.py``."""
    return Annotated[type_name, strawberry.lazy(COMPOSED_IN)]


StoreRef = composed("Store")
CustomerRef = composed("Customer")
