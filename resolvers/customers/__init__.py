"""Customers of a store (FEATURES B1–B7): records, segments, the list, CSV, feedback."""
