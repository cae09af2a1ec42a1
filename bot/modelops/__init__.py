"""Tools that build, measure and operate models and servers (not loaded by the servers)."""
