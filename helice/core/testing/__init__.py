"""Test helpers shared by every app's tests (never imported by the running portal)."""
