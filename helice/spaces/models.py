"""Data of the spaces part."""
