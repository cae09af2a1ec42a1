"""The domain core: plain objects and rules that import nothing else from `bot`."""
