"""The public JSON API, version 1. One router per app.

Everything is public and read-only. Errors are JSON objects with a ``detail``
message in the requested language (``Accept-Language``): 400 for bad
parameters, 404 for what does not exist (or is not published).
The interactive documentation (``/api/v1/docs``) is served from Django Ninja's
own static files, never from a CDN.
"""

import functools

from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError

from helice.agenda.api import router as agenda_router
from helice.core.api import router as core_router
from helice.directory.api import FilterError, filter_error_response
from helice.directory.api import router as directory_router
from helice.guichet.api import router as guichet_router
from helice.guichet.api_match import router as guichet_match_router
from helice.participation.api import router as participation_router
from helice.spaces.api import router as spaces_router
from helice.strategy.api import router as strategy_router

api = NinjaAPI(
    title="Hélice API",
    version="1.0.0",
    description=(
        "Public, read-only data of the Hélice innovation ecosystem portal. "
        "Labels follow the `Accept-Language` header (French by default, English with `en`). "
        "Errors are JSON objects with a `detail` message: 400 for bad parameters, "
        "404 for unknown or unpublished records and for a page past the end of a list."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # validatorUrl=None: Swagger UI would otherwise call validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)


@api.exception_handler(ValidationError)
def bad_parameters(request, exc: ValidationError):
    """Parameters Ninja rejects (a page that is not a number, a page size out of
    range): a 400 with a readable message rather than a 422 with pydantic's."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())[1:]] or ["request"]
        errors.setdefault(".".join(location), []).append(error.get("msg", ""))
    detail = " ".join(
        _("Invalid value for “%(param)s”: %(message)s") % {"param": name, "message": "; ".join(messages)}
        for name, messages in errors.items()
    )
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


def use_request_language(run):
    """Answer in the visitor's language. LocaleMiddleware falls back to French
    for every URL without a language prefix (``prefix_default_language=False``),
    so the API reads the language cookie and ``Accept-Language`` itself."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response = run(request, *args, **kwargs)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response

    return wrapper


api.add_decorator(use_request_language, mode="view")
api.add_exception_handler(FilterError, filter_error_response)
api.add_router("/", core_router)
api.add_router("/organizations", directory_router)
api.add_router("/services", guichet_router)
api.add_router("/guichet", guichet_match_router)
api.add_router("/strategy", strategy_router)
api.add_router("/events", agenda_router)
api.add_router("/spaces", spaces_router)
api.add_router("/participation", participation_router)
