"""The public JSON API, version 1. One router per app."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Hélice API",
    version="1.0.0",
    description="Public, read-only data of the Hélice innovation ecosystem portal.",
    urls_namespace="api-v1",
)
