"""Who is making the current request, for changes recorded outside the partner
space (the admin, a spreadsheet import): signals do not know the request."""

from contextvars import ContextVar

_current_user: ContextVar = ContextVar("helice_current_user", default=None)


def current_user():
    user = _current_user.get()
    return user if getattr(user, "is_authenticated", False) else None


class CurrentUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_user.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            _current_user.reset(token)
