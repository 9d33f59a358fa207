"""The partner space ("my space"): my organisations, their profile, members and requests."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def my_space(request):
    return render(request, "accounts/my_space.html", {})
