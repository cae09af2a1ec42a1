"""Everything the Rasa server and the Rasa action server load from this project."""
