"""The attack suite runs against the same real servers as the integration tests (the
session-wide `assistant` fixture in tests/conftest.py)."""
