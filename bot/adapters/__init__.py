"""Adapters: one module per external system, each with a built-in implementation."""
