"""Members of an organisation, invitations and join requests (partner space).

Every view finds the organisation through ``selectors.space_organization`` (404
for anyone who is neither a member nor a moderator), then asks the rules for the
action (403 when not allowed), and finds the membership, invitation or join
request by its id *within that organisation* (404 otherwise: an id of another
organisation's object in this URL never reaches it). Services check permissions
again. Bad input gets the page back with the form's errors and a 400; a refusal
of the domain (last administrator, already answered) a message and a 409.

The invitation link (``/mon-espace/invitations/<token>/``) only puts the
invitation's id in the session and redirects to a URL without the token
(``accounts:invitation_response``), which shows and answers it: the token does not
stay in the address bar, the history, the ``next=`` of the login page or the
Referer of the page's requests. The session survives logging in (Django renews its
key, not its data)."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helice.accounts import selectors
from helice.accounts.forms.memberships import (
    AcceptJoinRequestForm,
    InvitationAnswerForm,
    InvitationForm,
    JoinRequestForm,
    RefuseJoinRequestForm,
    RoleForm,
)
from helice.accounts.models import Invitation, JoinRequest, Membership, MembershipRole, RequestStatus
from helice.accounts.services import memberships as services
from helice.core import ratelimit
from helice.core.pagination import PageError, get_page
from helice.core.roles import is_moderator
from helice.directory.models import Organization, PublicationStatus

INVITE_RATE = "20/h/user"
JOIN_RATE = "10/h/user"
ANSWER_RATE = "30/h/user"
STAFF_PER_PAGE = 25
INVITATION_SESSION_KEY = "accounts.invitation_id"


def _manageable(request, slug) -> Organization:
    organization = selectors.space_organization(request.user, slug)
    if not request.user.has_perm("accounts.manage_members", organization):
        raise PermissionDenied(_("Only the organisation's administrators and moderators manage its members."))
    return organization


def _members_url(organization) -> str:
    return reverse("accounts:members", kwargs={"slug": organization.slug})


def _render_members(request, organization, *, bound=None, status=HTTPStatus.OK):
    """The members page; ``bound`` is a submitted form (with its prefix) shown
    with its errors in place of the blank one."""
    can_manage = request.user.has_perm("accounts.manage_members", organization)

    def form(cls, prefix, person="", **initial):
        if bound is not None and bound.prefix == prefix:
            return bound
        return cls(prefix=prefix, initial=initial, person=person)

    members = list(selectors.organization_members(organization))
    context = {
        "organization": organization,
        "can_manage": can_manage,
        "members": [(m, form(RoleForm, f"member-{m.pk}", m.user.public_name, role=m.role)) for m in members],
        "admin_count": sum(1 for m in members if m.role == MembershipRole.ADMIN),
        "my_membership": next((m for m in members if m.user_id == request.user.pk), None),
    }
    if can_manage:
        context.update(
            invite_form=(bound if bound is not None and bound.prefix == "invite" else InvitationForm(prefix="invite")),
            invitations=list(selectors.organization_pending_invitations(organization)),
            join_requests=[
                (
                    jr,
                    form(AcceptJoinRequestForm, f"accept-{jr.pk}", jr.user.public_name, role=MembershipRole.EDITOR),
                    form(RefuseJoinRequestForm, f"refuse-{jr.pk}", jr.user.public_name),
                )
                for jr in selectors.organization_pending_join_requests(organization)
            ],
        )
    return render(request, "accounts/members.html", context, status=status)


def _refused(request, organization, error: services.MembershipError):
    for message in error.messages:
        messages.error(request, message)
    return _render_members(request, organization, status=HTTPStatus.CONFLICT)


@login_required
@require_GET
def members(request, slug):
    organization = selectors.space_organization(request.user, slug)
    return _render_members(request, organization)


@login_required
@require_POST
def invite(request, slug):
    organization = _manageable(request, slug)
    if not ratelimit.hit(request, "accounts.invite", rate=INVITE_RATE):
        return ratelimit.too_many_requests(request)
    form = InvitationForm(request.POST, prefix="invite")
    if not form.is_valid():
        return _render_members(request, organization, bound=form, status=HTTPStatus.BAD_REQUEST)
    try:
        result = services.invitation_create(
            organization=organization, email=form.cleaned_data["email"], role=form.cleaned_data["role"], by=request.user
        )
    except services.MembershipError as error:
        return _refused(request, organization, error)
    _report_sending(request, result)
    return redirect(_members_url(organization))


def _report_sending(request, result: services.SentInvitation) -> None:
    if result.sent:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": result.invitation.email})
    else:
        messages.error(
            request,
            _(
                "The invitation of %(email)s is saved, but the e-mail could not be sent; use Resend in the list "
                "of pending invitations."
            )
            % {"email": result.invitation.email},
        )


@login_required
@require_POST
def invitation_resend(request, slug, pk):
    """A new link for a pending invitation, e-mailed again (counts as an invitation
    for the rate limit)."""
    organization = _manageable(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, organization=organization)
    if not ratelimit.hit(request, "accounts.invite", rate=INVITE_RATE):
        return ratelimit.too_many_requests(request)
    try:
        result = services.invitation_resend(invitation=invitation, by=request.user)
    except services.MembershipError as error:
        return _refused(request, organization, error)
    _report_sending(request, result)
    return redirect(_members_url(organization))


@login_required
@require_POST
def member_role(request, slug, pk):
    organization = _manageable(request, slug)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk, organization=organization)
    form = RoleForm(request.POST, prefix=f"member-{membership.pk}", person=membership.user.public_name)
    if not form.is_valid():
        return _render_members(request, organization, bound=form, status=HTTPStatus.BAD_REQUEST)
    try:
        services.membership_change_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
    except services.MembershipError as error:
        return _refused(request, organization, error)
    messages.success(
        request,
        _("%(name)s is now: %(role)s.")
        % {"name": membership.user.public_name, "role": MembershipRole(membership.role).label},
    )
    return redirect(_members_url(organization))


@login_required
@require_POST
def member_remove(request, slug, pk):
    organization = _manageable(request, slug)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk, organization=organization)
    try:
        services.membership_remove(membership=membership, by=request.user)
    except services.MembershipError as error:
        return _refused(request, organization, error)
    messages.success(
        request, _("%(name)s no longer belongs to the organisation.") % {"name": membership.user.public_name}
    )
    if not request.user.has_perm("accounts.view_organization_space", organization):
        return redirect("accounts:my_space")
    return redirect(_members_url(organization))


@login_required
@require_POST
def leave(request, slug):
    organization = selectors.space_organization(request.user, slug)
    membership = get_object_or_404(Membership, organization=organization, user=request.user)
    try:
        services.membership_leave(membership=membership, by=request.user)
    except services.MembershipError as error:
        return _refused(request, organization, error)
    messages.success(request, _("You have left %(organization)s.") % {"organization": organization})
    return redirect("accounts:my_space")


@login_required
@require_POST
def invitation_revoke(request, slug, pk):
    organization = _manageable(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, organization=organization)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except services.MembershipError as error:
        return _refused(request, organization, error)
    messages.success(request, _("The invitation sent to %(email)s is cancelled.") % {"email": invitation.email})
    return redirect(_members_url(organization))


@login_required
@require_POST
def join_request_accept(request, slug, pk):
    organization = _manageable(request, slug)
    join_request = get_object_or_404(JoinRequest.objects.select_related("user"), pk=pk, organization=organization)
    form = AcceptJoinRequestForm(request.POST, prefix=f"accept-{join_request.pk}", person=join_request.user.public_name)
    if not form.is_valid():
        return _render_members(request, organization, bound=form, status=HTTPStatus.BAD_REQUEST)
    try:
        services.join_request_accept(join_request=join_request, by=request.user, role=form.cleaned_data["role"])
    except services.MembershipError as error:
        return _refused(request, organization, error)
    messages.success(request, _("%(name)s has joined the organisation.") % {"name": join_request.user.public_name})
    return redirect(_members_url(organization))


@login_required
@require_POST
def join_request_refuse(request, slug, pk):
    organization = _manageable(request, slug)
    join_request = get_object_or_404(JoinRequest.objects.select_related("user"), pk=pk, organization=organization)
    form = RefuseJoinRequestForm(request.POST, prefix=f"refuse-{join_request.pk}", person=join_request.user.public_name)
    if not form.is_valid():
        return _render_members(request, organization, bound=form, status=HTTPStatus.BAD_REQUEST)
    try:
        services.join_request_refuse(join_request=join_request, by=request.user, reason=form.cleaned_data["reason"])
    except services.MembershipError as error:
        return _refused(request, organization, error)
    messages.success(request, _("The request of %(name)s is refused.") % {"name": join_request.user.public_name})
    return redirect(_members_url(organization))


# --- the person's side ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def join(request, slug):
    """Ask to join a published organisation."""
    organization = get_object_or_404(Organization, slug=slug, status=PublicationStatus.PUBLISHED)
    if Membership.objects.filter(organization=organization, user=request.user).exists():
        messages.info(request, _("You are already a member of this organisation."))
        return redirect("accounts:organization", slug=organization.slug)
    pending = JoinRequest.objects.filter(
        organization=organization, user=request.user, status=RequestStatus.PENDING
    ).first()
    status = HTTPStatus.OK
    if request.method == "POST" and pending is None:
        if not ratelimit.hit(request, "accounts.join", rate=JOIN_RATE):
            return ratelimit.too_many_requests(request)
        form = JoinRequestForm(request.POST)
        if form.is_valid():
            try:
                services.join_request_create(
                    user=request.user, organization=organization, message=form.cleaned_data["message"]
                )
            except services.MembershipError as error:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("accounts:my_space")
            messages.success(
                request,
                _("Your request to join %(organization)s is sent. You will get an email when it is answered.")
                % {"organization": organization},
            )
            return redirect("accounts:my_space")
        status = HTTPStatus.BAD_REQUEST
    else:
        form = JoinRequestForm()
    return render(
        request, "accounts/join.html", {"organization": organization, "form": form, "pending": pending}, status=status
    )


@login_required
@require_POST
def join_request_withdraw(request, pk):
    join_request = get_object_or_404(JoinRequest.objects.select_related("organization"), pk=pk, user=request.user)
    try:
        services.join_request_withdraw(join_request=join_request, by=request.user)
    except services.MembershipError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("accounts:my_space")
    messages.success(
        request, _("Your request to join %(organization)s is withdrawn.") % {"organization": join_request.organization}
    )
    return redirect("accounts:my_space")


def _gone(request, invitation, *, status):
    return render(request, "accounts/invitation_gone.html", {"invitation": invitation}, status=status)


@require_GET
def invitation(request, token):
    """The link in an invitation email: remembers the invitation in the session and
    redirects to ``invitation_response``, a URL without the token (anonymous
    visitors log in, or sign up, on the way). Unknown links answer 404, used or
    expired ones 410."""
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return _gone(request, None, status=HTTPStatus.NOT_FOUND)
    if invitation.status != RequestStatus.PENDING or invitation.is_expired:
        return _gone(request, invitation, status=HTTPStatus.GONE)
    request.session[INVITATION_SESSION_KEY] = invitation.pk
    return redirect("accounts:invitation_response")


@login_required
@require_http_methods(["GET", "POST"])
def invitation_response(request):
    """Show and answer the invitation whose link was opened in this session."""
    pk = request.session.get(INVITATION_SESSION_KEY)
    invitation = Invitation.objects.select_related("organization").filter(pk=pk).first() if pk else None
    if invitation is None:
        return _gone(request, None, status=HTTPStatus.NOT_FOUND)
    if invitation.status != RequestStatus.PENDING or invitation.is_expired:
        request.session.pop(INVITATION_SESSION_KEY, None)
        return _gone(request, invitation, status=HTTPStatus.GONE)
    email_matches = invitation.email.lower() in {e.lower() for e in selectors.user_verified_emails(request.user)}
    status = HTTPStatus.OK
    form = InvitationAnswerForm()
    if request.method == "POST":
        if not ratelimit.hit(request, "accounts.invitation_answer", rate=ANSWER_RATE):
            return ratelimit.too_many_requests(request)
        form = InvitationAnswerForm(request.POST)
        if form.is_valid():
            try:
                response = _answer(request, form.cleaned_data["decision"], invitation=invitation)
            except services.MembershipError as error:
                for message in error.messages:
                    messages.error(request, message)
                status = HTTPStatus.CONFLICT
            else:
                request.session.pop(INVITATION_SESSION_KEY, None)
                return response
        else:
            status = HTTPStatus.BAD_REQUEST
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "role_label": MembershipRole(invitation.role).label,
        "email_matches": email_matches,
        "form": form,
    }
    return render(request, "accounts/invitation.html", context, status=status)


@login_required
@require_POST
def invitation_answer(request, pk):
    """Accept or decline, from my space, an invitation sent to one of my verified addresses."""
    invitation = selectors.user_pending_invitations(request.user).filter(pk=pk).first()
    if invitation is None:
        raise Http404("No invitation for you here.")
    form = InvitationAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or to decline the invitation."))
        return redirect("accounts:my_space")
    try:
        return _answer(request, form.cleaned_data["decision"], invitation=invitation)
    except services.MembershipError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("accounts:my_space")


def _answer(request, decision, **which):
    """Accept or decline; a refusal of the domain (MembershipError) goes up to the caller."""
    if decision == "accept":
        membership = services.invitation_accept(user=request.user, **which)
    else:
        declined = services.invitation_decline(user=request.user, **which)
    if decision == "accept":
        messages.success(
            request, _("Welcome: you now act for %(organization)s.") % {"organization": membership.organization}
        )
        return redirect("accounts:organization", slug=membership.organization.slug)
    messages.success(
        request, _("You declined the invitation of %(organization)s.") % {"organization": declined.organization}
    )
    return redirect("accounts:my_space")


@login_required
@require_GET
def join_requests(request):
    """Staff: every pending join request, oldest first."""
    if not is_moderator(request.user):
        raise PermissionDenied(_("Only moderators see every join request."))
    try:
        page = get_page(selectors.pending_join_requests(), request.GET.get("page"), STAFF_PER_PAGE)
    except PageError as error:
        return render(
            request, "accounts/join_requests.html", {"page": None, "error": error.message}, status=error.status
        )
    return render(request, "accounts/join_requests.html", {"page": page})
