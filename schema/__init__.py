"""The GraphQL schema: one module per domain, composed in ``schema/graph.py``."""
