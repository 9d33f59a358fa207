"""The page django-axes answers with when a username+IP pair is locked out."""

import math

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.shortcuts import render


def lockout(request, original_response=None, credentials=None):
    """429 in the site's layout, saying how long to wait (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "accounts/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
