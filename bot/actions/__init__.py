"""Rasa custom actions: thin wrappers that read slots, call a service and answer.

The action server imports every module here and registers every concrete `Action`.
"""
