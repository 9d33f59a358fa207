"""Profile, personal data (export, deletion) and the privacy page."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helice.accounts.forms.profile import AccountDeleteForm, ProfileForm
from helice.accounts.services import profile as services
from helice.core import personal_data, ratelimit


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    # Bound on every POST, even an empty one, so its errors are shown.
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            services.profile_update(
                user=request.user,
                display_name=form.cleaned_data["display_name"],
                participant_category=form.cleaned_data["participant_category"],
            )
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
        return render(request, "accounts/profile.html", {"form": form}, status=400)
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit.ratelimit("accounts.data_export", "10/h/user", methods=("GET", "POST"))  # an expensive read
def data_export(request):
    """Download everything the portal holds about the person, as a JSON file."""
    data = services.user_export(user=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"helice-personal-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit.ratelimit("accounts.delete", "10/h/user")  # password guesses
def delete(request):
    form = AccountDeleteForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            services.user_delete(user=request.user)
            logout(request)
            messages.success(request, _("Your account has been deleted and your personal data erased."))
            return redirect("core:home")
        return render(request, "accounts/delete.html", {"form": form}, status=400)
    return render(request, "accounts/delete.html", {"form": form})


@require_http_methods(["GET", "HEAD"])
def privacy(request):
    return render(
        request,
        "accounts/privacy.html",
        {
            "contact_email": settings.PRIVACY_CONTACT_EMAIL,
            "sections": personal_data.sections(),
            "sign_in_records_days": settings.SIGN_IN_RECORDS_DAYS,
        },
    )
