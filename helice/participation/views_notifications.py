"""Follow buttons, the person's notification settings ("my space") and the
one-click unsubscribe link of the participation e-mails."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from helice.core import ratelimit

from . import notifications
from . import selectors_comments as selectors
from .forms_comments import NotificationSettingsForm
from .models import Consultation, Follow, ParticipationSettings


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _follow_answer(request, *, following: bool, target, fallback: str, kind: str):
    if request.headers.get("HX-Request") == "true":
        return render(
            request,
            "participation/_follow_button.html",
            {"following": following, "target": target, "kind": kind, "next": request.POST.get("next", "")},
        )
    messages.success(
        request,
        _("You follow it: news will come as set in your notifications.")
        if following
        else _("You no longer follow it."),
    )
    return _back(request, fallback)


def _toggle(request, **target) -> bool:
    follow = request.POST.get("action") != "unfollow"
    if follow:
        notifications.follow(user=request.user, language=get_language(), **target)
    else:
        notifications.unfollow(user=request.user, **target)
    return follow


@require_POST
def follow_proposal(request, consultation, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(request.POST.get("next") or request.get_full_path())
    if not ratelimit.hit(request, "participation.follow", rate="60/h/user"):
        return ratelimit.too_many_requests(request)
    proposal = selectors.public_proposal(consultation, slug)
    if proposal is None:
        raise Http404(_("No such proposal."))
    following = _toggle(request, proposal=proposal)
    from .views_comments import thread_url

    return _follow_answer(request, following=following, target=proposal, fallback=thread_url(proposal), kind="proposal")


@require_POST
def follow_consultation(request, slug):
    if not request.user.is_authenticated:
        return redirect_to_login(request.POST.get("next") or request.get_full_path())
    if not ratelimit.hit(request, "participation.follow", rate="60/h/user"):
        return ratelimit.too_many_requests(request)
    consultation = Consultation.objects.visible().filter(slug=slug).first()
    if consultation is None:
        raise Http404(_("No such consultation."))
    following = _toggle(request, consultation=consultation)
    return _follow_answer(
        request,
        following=following,
        target=consultation,
        fallback="participation:notification_settings",
        kind="consultation",
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """How often the person hears about what they follow, and what they follow."""
    current = notifications.settings_for(request.user)
    status = HTTPStatus.OK
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            notifications.settings_update(
                user=request.user, frequency=form.cleaned_data["frequency"], language=form.cleaned_data["language"]
            )
            messages.success(request, _("Your choice is saved."))
            return redirect("participation:notification_settings")
        status = HTTPStatus.BAD_REQUEST
    else:
        form = NotificationSettingsForm(initial={"frequency": current.frequency, "language": current.language})
    follows = (
        Follow.objects.filter(user=request.user)
        .select_related("proposal__consultation", "consultation")
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "participation/notification_settings.html",
        {"form": form, "settings": current, "follows": follows},
        status=status,
    )


@never_cache
@csrf_exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" without a token; the link is the secret
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows one button; POST (the page's or the mail client's one click)
    stops the e-mails; doing it again changes nothing."""
    found = (
        ParticipationSettings.objects.filter(token_hash=ParticipationSettings.hash_of(token)).first()
        if len(token) <= 64
        else None
    )
    if found is None:
        return render(request, "participation/unsubscribe.html", {"unknown": True}, status=HTTPStatus.NOT_FOUND)
    done = False
    if request.method == "POST":
        found = notifications.unsubscribe(token=token)
        done = True
    return render(request, "participation/unsubscribe.html", {"found": found, "token": token, "done": done})
