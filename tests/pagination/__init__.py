"""Relay connections: keyset pages and their counts."""
