"""Use cases in plain Python: no Rasa imports here."""
