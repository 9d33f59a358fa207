"""Data of the participation part."""
