"""Membership tiers (F1-F5): the ladder, where each customer stands, promotions."""
