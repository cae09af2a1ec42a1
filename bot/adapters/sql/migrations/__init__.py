"""Alembic migrations of the app database (`python -m bot db upgrade`)."""
