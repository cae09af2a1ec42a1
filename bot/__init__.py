"""Sign-in help assistant: Rasa actions, services and adapters."""

__version__ = "0.1.0"
