"""The NLU component `rasa train` builds into the model: a blank spaCy pipeline with an
entity ruler (`spacy_entities`), its pure rules (`entity_rules`) and patterns (JSONL)."""
