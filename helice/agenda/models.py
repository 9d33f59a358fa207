"""Data of the agenda part."""
