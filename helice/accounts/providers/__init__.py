"""Single sign-on providers adapted to French public identity services."""
