"""My space, the organisation's page in it, the members page, joining, invitation
links and the staff list, through HTTP."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from helice.accounts.models import Invitation, JoinRequest, Membership, RequestStatus
from helice.accounts.tests.factories import PASSWORD, UserFactory
from helice.accounts.tests.membership_factories import JoinRequestFactory, MembershipFactory, make_invitation
from helice.core.testing.hostile import HOSTILE_INPUTS, assert_form_resists_hostile_input, assert_inert
from helice.directory.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_my_space_needs_login(client):
    response = client.get(reverse("accounts:my_space"))
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]


def test_my_space_empty_state(client):
    page = login(client, UserFactory(verified=True)).get(reverse("accounts:my_space")).content.decode()
    assert "Vous n’agissez encore pour aucune organisation." in page
    assert f'action="{reverse("directory:list")}"' in page
    assert reverse("accounts:join_requests") not in page


def test_my_space_lists_organisations_requests_and_invitations(client):
    membership = MembershipFactory(admin=True, organization=OrganizationFactory(name="Alpha Lab"))
    user = membership.user
    refused = JoinRequestFactory(user=user, organization=OrganizationFactory(name="Beta Hub"))
    JoinRequest.objects.filter(pk=refused.pk).update(status=RequestStatus.REFUSED, reason="Nous ne recrutons pas.")
    JoinRequestFactory(user=user, organization=OrganizationFactory(name="Gamma Park"))
    invitation, _token = make_invitation(organization=OrganizationFactory(name="Delta Fab"), email=user.email)
    make_invitation(organization=OrganizationFactory(name="Expired Org"), email=user.email, expired=True)
    make_invitation(organization=OrganizationFactory(name="Someone Else"), email="other@example.org")
    page = login(client, user).get(reverse("accounts:my_space")).content.decode()
    assert reverse("accounts:organization", kwargs={"slug": membership.organization.slug}) in page
    assert "Alpha Lab" in page and "Nous ne recrutons pas." in page and "Gamma Park" in page
    assert "Delta Fab" in page and "Expired Org" not in page and "Someone Else" not in page
    assert reverse("accounts:invitation_answer", kwargs={"pk": invitation.pk}) in page


def test_moderator_sees_the_link_to_pending_requests(client):
    JoinRequestFactory()
    page = login(client, UserFactory(verified=True, moderator=True)).get(reverse("accounts:my_space"))
    assert reverse("accounts:join_requests") in page.content.decode()


def test_english_version(client):
    page = login(client, UserFactory(verified=True)).get("/en/mon-espace/")
    assert page.status_code == 200
    assert "My organisations" in page.content.decode()


def test_organisation_page_in_my_space(client):
    membership = MembershipFactory(admin=True)
    page = login(client, membership.user).get(
        reverse("accounts:organization", kwargs={"slug": membership.organization.slug})
    )
    assert page.status_code == 200
    assert reverse("accounts:members", kwargs={"slug": membership.organization.slug}) in page.content.decode()


# --- joining ---------------------------------------------------------------------------


def test_join_flow(client, django_capture_on_commit_callbacks):
    admin = MembershipFactory(admin=True)
    organization = admin.organization
    user = UserFactory(verified=True)
    login(client, user)
    url = reverse("accounts:join", kwargs={"slug": organization.slug})
    page = client.get(url)
    assert page.status_code == 200 and 'name="message"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "Je suis la chargée de communication."})
    assert response.status_code == 302
    join_request = JoinRequest.objects.get(user=user)
    assert join_request.organization == organization and mail.outbox[0].to == [admin.user.email]
    # A second visit says it is pending and does not create another.
    assert client.post(url, {"message": "encore"}).status_code == 200
    assert JoinRequest.objects.filter(user=user).count() == 1


def test_join_a_draft_is_404_and_a_member_is_sent_to_the_page(client):
    user = UserFactory(verified=True)
    login(client, user)
    draft = OrganizationFactory(draft=True)
    assert client.get(reverse("accounts:join", kwargs={"slug": draft.slug})).status_code == 404
    membership = MembershipFactory(user=user)
    response = client.get(reverse("accounts:join", kwargs={"slug": membership.organization.slug}))
    assert response.status_code == 302


def test_join_message_too_long_is_a_400(client):
    organization = OrganizationFactory()
    login(client, UserFactory(verified=True))
    response = client.post(reverse("accounts:join", kwargs={"slug": organization.slug}), {"message": "A" * 2001})
    assert response.status_code == 400
    assert not JoinRequest.objects.exists()


def test_join_is_rate_limited(client):
    user = UserFactory(verified=True)
    login(client, user)
    statuses = []
    for organization in OrganizationFactory.create_batch(11):
        statuses.append(client.post(reverse("accounts:join", kwargs={"slug": organization.slug}), {}).status_code)
    assert statuses[:10] == [302] * 10 and statuses[10] == 429


def test_hostile_join_messages_are_stored_and_shown_inert(client):
    admin = MembershipFactory(admin=True)
    moderator = UserFactory(verified=True, moderator=True)
    statuses = {}
    for name, value in HOSTILE_INPUTS:
        user = UserFactory(verified=True)
        login(client, user)
        response = client.post(reverse("accounts:join", kwargs={"slug": admin.organization.slug}), {"message": value})
        statuses[name] = response.status_code
        assert response.status_code in (302, 400)
        assert_inert(response.content)
    assert statuses["very_long"] == 400 and statuses["null_byte"] == 400
    assert statuses["script_tag"] == 302
    assert JoinRequest.objects.get(message="<script>alert('x')</script>")
    members_url = reverse("accounts:members", kwargs={"slug": admin.organization.slug})
    for viewer, url in (
        (admin.user, members_url),
        (moderator, members_url),
        (moderator, reverse("accounts:join_requests")),
    ):
        page = login(client, viewer).get(url)
        assert page.status_code == 200
        assert_inert(page.content)
        assert "&lt;script&gt;" in page.content.decode()


def test_hostile_refusal_reasons_are_shown_inert_to_the_requester(client):
    admin = MembershipFactory(admin=True)
    organization = admin.organization
    requests = {name: JoinRequestFactory(organization=organization) for name, _value in HOSTILE_INPUTS}
    login(client, admin.user)
    for name, value in HOSTILE_INPUTS:
        join_request = requests[name]
        url = reverse("accounts:join_request_refuse", kwargs={"slug": organization.slug, "pk": join_request.pk})
        assert_form_resists_hostile_input(
            client,
            url,
            f"refuse-{join_request.pk}-reason",
            inputs=[(name, value)],
            show_url=reverse("accounts:members", kwargs={"slug": organization.slug}),
        )
    for name, join_request in requests.items():
        join_request.refresh_from_db()
        if join_request.status == RequestStatus.REFUSED:
            page = login(client, join_request.user).get(reverse("accounts:my_space"))
            assert_inert(page.content)
        else:
            assert name in ("very_long", "null_byte")


# --- members page -----------------------------------------------------------------------


def test_members_page_for_an_editor_has_no_management(client):
    editor = MembershipFactory()
    page = login(client, editor.user).get(reverse("accounts:members", kwargs={"slug": editor.organization.slug}))
    html = page.content.decode()
    assert page.status_code == 200 and str(editor.user) in html
    assert reverse("accounts:invite", kwargs={"slug": editor.organization.slug}) not in html


def test_invite_bad_email_is_a_400(client):
    admin = MembershipFactory(admin=True)
    url = reverse("accounts:invite", kwargs={"slug": admin.organization.slug})
    response = login(client, admin.user).post(url, {"invite-email": "not an email", "invite-role": "owner"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_invite_is_rate_limited(client):
    admin = MembershipFactory(admin=True)
    url = reverse("accounts:invite", kwargs={"slug": admin.organization.slug})
    login(client, admin.user)
    statuses = [
        client.post(url, {"invite-email": f"p{i}@example.org", "invite-role": "editor"}).status_code for i in range(21)
    ]
    assert statuses[:20] == [302] * 20 and statuses[20] == 429
    assert Invitation.objects.count() == 20


def test_last_admin_refusal_is_a_409_with_a_message(client):
    admin = MembershipFactory(admin=True)
    login(client, admin.user)
    url = reverse("accounts:member_role", kwargs={"slug": admin.organization.slug, "pk": admin.pk})
    response = client.post(url, {f"member-{admin.pk}-role": "editor"})
    assert response.status_code == 409
    assert "dernier administrateur" in response.content.decode() or "last administrator" in response.content.decode()
    assert Membership.objects.get(pk=admin.pk).role == "admin"
    response = client.post(reverse("accounts:leave", kwargs={"slug": admin.organization.slug}))
    assert response.status_code == 409 and Membership.objects.filter(pk=admin.pk).exists()


def test_answering_a_decided_request_again_is_a_409(client):
    admin = MembershipFactory(admin=True)
    join_request = JoinRequestFactory(organization=admin.organization, status=RequestStatus.WITHDRAWN)
    url = reverse("accounts:join_request_accept", kwargs={"slug": admin.organization.slug, "pk": join_request.pk})
    response = login(client, admin.user).post(url, {f"accept-{join_request.pk}-role": "editor"})
    assert response.status_code == 409
    assert not Membership.objects.filter(user=join_request.user).exists()


def test_refuse_without_reason_is_a_400(client):
    admin = MembershipFactory(admin=True)
    join_request = JoinRequestFactory(organization=admin.organization)
    url = reverse("accounts:join_request_refuse", kwargs={"slug": admin.organization.slug, "pk": join_request.pk})
    assert login(client, admin.user).post(url, {f"refuse-{join_request.pk}-reason": ""}).status_code == 400


def test_leave(client):
    editor = MembershipFactory()
    response = login(client, editor.user).post(reverse("accounts:leave", kwargs={"slug": editor.organization.slug}))
    assert response.status_code == 302 and not Membership.objects.filter(pk=editor.pk).exists()


# --- invitation link ----------------------------------------------------------------------

RESPONSE_URL = "/mon-espace/invitations/reponse/"


def test_invitation_link_leaves_the_token_behind(client):
    """The token URL only remembers the invitation in the session and redirects to a
    URL without it; an anonymous visitor logs in with next= that URL, and the session
    (whose key Django renews at login) still knows the invitation afterwards."""
    invitation, token = make_invitation(role="admin")
    user = UserFactory(verified=True, email=invitation.email)
    response = client.get(reverse("accounts:invitation", kwargs={"token": token}))
    assert response.status_code == 302 and response["Location"] == RESPONSE_URL
    response = client.get(RESPONSE_URL)
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    assert token not in response["Location"] and "next=/mon-espace/invitations/reponse/" in response["Location"]
    anonymous_key = client.session.session_key
    response = client.post(
        f"{reverse('account_login')}?next={RESPONSE_URL}", {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == RESPONSE_URL
    assert client.session.session_key != anonymous_key
    page = client.get(RESPONSE_URL)
    assert page.status_code == 200 and invitation.organization.name in page.content.decode()
    assert token not in page.content.decode()
    response = client.post(RESPONSE_URL, {"decision": "accept"})
    assert response.status_code == 302
    assert Membership.objects.get(user=user, organization=invitation.organization).role == "admin"
    # Answered: the session forgets it; the link is used.
    assert client.get(RESPONSE_URL).status_code == 404
    assert client.get(reverse("accounts:invitation", kwargs={"token": token})).status_code == 410


def test_invitation_link_accept(client):
    invitation, token = make_invitation(role="admin")
    user = UserFactory(verified=True, email=invitation.email)
    login(client, user)
    page = client.get(reverse("accounts:invitation", kwargs={"token": token}), follow=True)
    assert page.redirect_chain == [(RESPONSE_URL, 302)]
    assert page.status_code == 200 and invitation.organization.name in page.content.decode()
    response = client.post(RESPONSE_URL, {"decision": "accept"})
    assert response.status_code == 302
    assert Membership.objects.get(user=user, organization=invitation.organization).role == "admin"


def test_invitation_link_with_another_account_explains(client):
    """The invited address can be added to the account (E-mail addresses page) and
    confirmed: the page says so and links there."""
    invitation, token = make_invitation()
    login(client, UserFactory(verified=True))
    page = client.get(reverse("accounts:invitation", kwargs={"token": token}), follow=True)
    html = page.content.decode()
    assert page.status_code == 200 and 'value="accept"' not in html
    assert invitation.email in html
    assert f'href="{reverse("account_email")}"' in html and "Adresses e-mail" in html
    response = client.post(RESPONSE_URL, {"decision": "accept"})
    assert response.status_code == 409
    assert Invitation.objects.get(pk=invitation.pk).status == RequestStatus.PENDING


def test_invitation_link_invalid_expired_and_bad_input(client):
    login(client, UserFactory(verified=True, email="late@example.org"))
    assert client.get(reverse("accounts:invitation", kwargs={"token": "nope"})).status_code == 404
    assert client.get(RESPONSE_URL).status_code == 404  # no invitation opened in this session
    _invitation, token = make_invitation(email="late@example.org", expired=True)
    assert client.get(reverse("accounts:invitation", kwargs={"token": token})).status_code == 410
    invitation, token = make_invitation(email="late@example.org")
    assert client.post(reverse("accounts:invitation", kwargs={"token": token})).status_code == 405
    assert client.get(reverse("accounts:invitation", kwargs={"token": token})).status_code == 302
    assert client.post(RESPONSE_URL, {"decision": "x"}).status_code == 400
    # Revoked after the link was opened: 410.
    Invitation.objects.filter(pk=invitation.pk).update(status=RequestStatus.WITHDRAWN)
    assert client.get(RESPONSE_URL).status_code == 410


def test_invitation_from_my_space(client):
    invitation, _token = make_invitation(expires_at=timezone.now() + timedelta(days=1))
    user = UserFactory(verified=True, email=invitation.email)
    response = login(client, user).post(
        reverse("accounts:invitation_answer", kwargs={"pk": invitation.pk}), {"decision": "decline"}
    )
    assert response.status_code == 302
    assert Invitation.objects.get(pk=invitation.pk).status == RequestStatus.REFUSED


def test_staff_list_pagination(client):
    JoinRequestFactory.create_batch(3)
    login(client, UserFactory(verified=True, moderator=True))
    assert client.get(reverse("accounts:join_requests"), {"page": "abc"}).status_code == 400
    assert client.get(reverse("accounts:join_requests"), {"page": "9"}).status_code == 404


# --- names, accessibility, failed invitation emails, deleted rows ---------------------------


def test_people_are_named_by_public_name_and_deciders_see_the_verified_email(client):
    admin = MembershipFactory(admin=True)
    member = MembershipFactory(organization=admin.organization, user=UserFactory(username="u-aa11", display_name=""))
    requester = UserFactory(verified=True, username="u-bb22", email="jade@example.org", display_name="Jade Martin")
    JoinRequestFactory(organization=admin.organization, user=requester)
    page = login(client, admin.user).get(reverse("accounts:members", kwargs={"slug": admin.organization.slug}))
    html = page.content.decode()
    assert "u-aa11" not in html and "u-bb22" not in html
    assert member.user.public_name in html and "Jade Martin" in html and "jade@example.org" in html
    staff = login(client, UserFactory(verified=True, moderator=True)).get(reverse("accounts:join_requests"))
    html = staff.content.decode()
    assert "u-bb22" not in html and "Jade Martin" in html and "jade@example.org" in html
    # An editor sees the members, not the requests nor their addresses.
    editor_page = login(client, member.user).get(reverse("accounts:members", kwargs={"slug": admin.organization.slug}))
    assert "jade@example.org" not in editor_page.content.decode()


def test_join_page_says_the_administrators_will_see_the_verified_address(client):
    organization = OrganizationFactory()
    page = login(client, UserFactory(verified=True)).get(reverse("accounts:join", kwargs={"slug": organization.slug}))
    assert "votre adresse e-mail vérifiée" in page.content.decode()


def test_help_and_error_ids_match_aria_describedby(client):
    """Django 5.2's ids (id_x_helptext, id_x_error), referenced by the field itself."""
    organization = OrganizationFactory()
    login(client, UserFactory(verified=True))
    html = client.get(reverse("accounts:join", kwargs={"slug": organization.slug})).content.decode()
    assert 'id="id_message_helptext"' in html and 'aria-describedby="id_message_helptext"' in html
    admin = MembershipFactory(admin=True)
    join_request = JoinRequestFactory(organization=admin.organization)
    url = reverse("accounts:join_request_refuse", kwargs={"slug": admin.organization.slug, "pk": join_request.pk})
    response = login(client, admin.user).post(url, {f"refuse-{join_request.pk}-reason": ""})
    html = response.content.decode()
    error_id = f"id_refuse-{join_request.pk}-reason_error"
    assert response.status_code == 400 and f'id="{error_id}"' in html
    assert f'aria-describedby="id_refuse-{join_request.pk}-reason_helptext {error_id}"' in html
    assert 'aria-invalid="true"' in html


def test_per_row_controls_have_the_persons_name(client):
    admin = MembershipFactory(admin=True, user=UserFactory(verified=True, display_name="Claire Dupuis"))
    join_request = JoinRequestFactory(organization=admin.organization, user=UserFactory(display_name="Jade Martin"))
    html = (
        login(client, admin.user)
        .get(reverse("accounts:members", kwargs={"slug": admin.organization.slug}))
        .content.decode()
    )
    hidden = '<span class="visually-hidden">, {}</span>'
    assert f'<label for="id_accept-{join_request.pk}-role">Rôle{hidden.format("Jade Martin")}' in html
    assert f'<label for="id_refuse-{join_request.pk}-reason">Motif du refus{hidden.format("Jade Martin")}' in html
    assert f'<label for="id_member-{admin.pk}-role">Rôle{hidden.format("Claire Dupuis")}' in html


class DownEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_failed_invitation_email_is_reported_and_resent(client, settings):
    admin = MembershipFactory(admin=True)
    members_url = reverse("accounts:members", kwargs={"slug": admin.organization.slug})
    login(client, admin.user)
    settings.EMAIL_BACKEND = f"{__name__}.DownEmailBackend"
    response = client.post(
        reverse("accounts:invite", kwargs={"slug": admin.organization.slug}),
        {"invite-email": "lost@example.org", "invite-role": "editor"},
        follow=True,
    )
    html = response.content.decode()
    assert "n’a pas pu être envoyé" in html and "Renvoyer" in html
    invitation = Invitation.objects.get(email="lost@example.org", status=RequestStatus.PENDING)
    assert invitation.last_sent_at is None
    resend_url = reverse("accounts:invitation_resend", kwargs={"slug": admin.organization.slug, "pk": invitation.pk})
    assert f'action="{resend_url}"' in html and "Non envoyé" in html
    # Still down: the same message after Resend.
    assert "n’a pas pu être envoyé" in client.post(resend_url, follow=True).content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    old_hash = Invitation.objects.get(pk=invitation.pk).token_hash
    response = client.post(resend_url)
    assert response.status_code == 302 and response["Location"] == members_url
    invitation.refresh_from_db()
    assert invitation.token_hash != old_hash and invitation.last_sent_at is not None
    assert mail.outbox[-1].to == ["lost@example.org"]
    assert "Non envoyé" not in client.get(members_url).content.decode()


def test_resend_counts_with_invitations_for_the_rate_limit(client):
    admin = MembershipFactory(admin=True)
    invitation, _token = make_invitation(organization=admin.organization)
    login(client, admin.user)
    for i in range(20):
        client.post(
            reverse("accounts:invite", kwargs={"slug": admin.organization.slug}),
            {"invite-email": f"p{i}@example.org", "invite-role": "editor"},
        )
    url = reverse("accounts:invitation_resend", kwargs={"slug": admin.organization.slug, "pk": invitation.pk})
    assert client.post(url).status_code == 429


def test_join_request_deleted_meanwhile_is_a_409(client, monkeypatch):
    """Its author deleted their account between the page and the click."""
    from helice.accounts.services import memberships as services

    admin = MembershipFactory(admin=True)
    join_request = JoinRequestFactory(organization=admin.organization)
    real = services.join_request_accept

    def after_deletion(**kwargs):
        JoinRequest.objects.filter(pk=kwargs["join_request"].pk).delete()
        return real(**kwargs)

    monkeypatch.setattr(services, "join_request_accept", after_deletion)
    url = reverse("accounts:join_request_accept", kwargs={"slug": admin.organization.slug, "pk": join_request.pk})
    response = login(client, admin.user).post(url, {f"accept-{join_request.pk}-role": "editor"})
    assert response.status_code == 409
    assert not Membership.objects.filter(user=join_request.user).exists()


# --- query counts (pinned: a change here is a decision, not an accident) -------------------


def test_my_space_query_count(client, django_assert_num_queries):
    user = UserFactory(verified=True)
    for i in range(3):
        MembershipFactory(user=user, admin=i == 0)
    JoinRequestFactory.create_batch(2, user=user)
    make_invitation(email=user.email)
    login(client, user)
    client.get(reverse("accounts:my_space"))  # the session is read, not written, below
    # session, user, memberships, groups (moderator?), join requests, verified emails,
    # invitations; the requests panel (helice.referrals): my roles, the team's id,
    # the requests to handle, the requests I sent; the participation panel (what I
    # follow and how I hear of it, one query); then the layout: user and group
    # permissions.
    with django_assert_num_queries(14):
        page = client.get(reverse("accounts:my_space"))
    assert page.status_code == 200 and page.content.decode().count("<tr>") >= 5


def test_members_page_query_count(client, django_assert_num_queries):
    admin = MembershipFactory(admin=True)
    MembershipFactory.create_batch(9, organization=admin.organization)
    JoinRequestFactory.create_batch(3, organization=admin.organization)
    make_invitation(organization=admin.organization)
    url = reverse("accounts:members", kwargs={"slug": admin.organization.slug})
    login(client, admin.user).get(url)
    # session, user, organisation, my roles, members with their users, invitations,
    # join requests (with the requester's verified address), then the layout.
    with django_assert_num_queries(10):
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count('class="field"') == 10 + 3 * 2 + 2


def test_staff_join_requests_query_count(client, django_assert_num_queries):
    JoinRequestFactory.create_batch(10)
    login(client, UserFactory(verified=True, moderator=True))
    client.get(reverse("accounts:join_requests"))
    # session, user, groups, count, the page of requests (users, organisations and
    # verified addresses joined); the layout reuses the roles read once.
    with django_assert_num_queries(5):
        page = client.get(reverse("accounts:join_requests"))
    assert page.status_code == 200 and page.content.decode().count("<tr>") == 11


def test_dead_selector_is_gone():
    from helice.accounts import selectors

    assert not hasattr(selectors, "organization_admin_count")
