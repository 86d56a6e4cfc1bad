"""The demo city (示范市): deterministic, idempotent seed data."""
