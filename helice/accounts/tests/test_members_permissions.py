"""Who may do what in the partner space, through HTTP: the matrix
role × action × ownership, and direct URL calls with another organisation's ids.

Rule: an organisation's pages in "my space" exist only for its members and the
moderators (404 for anyone else, published or draft); a member who may see it
but not do the action gets 403; anonymous visitors are sent to log in."""

import pytest
from django.urls import reverse

from helice.accounts.models import Invitation, JoinRequest, Membership, RequestStatus
from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import JoinRequestFactory, MembershipFactory, make_invitation
from helice.directory.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


ROLES = ["anonymous", "no_membership", "editor_a", "admin_a", "admin_b", "moderator", "superuser"]


@pytest.fixture
def world():
    a = OrganizationFactory(name="Alpha Lab")
    b = OrganizationFactory(name="Beta Hub")
    users = {
        "anonymous": None,
        "no_membership": UserFactory(verified=True),
        "editor_a": MembershipFactory(organization=a).user,
        "admin_a": MembershipFactory(organization=a, admin=True).user,
        "admin_b": MembershipFactory(organization=b, admin=True).user,
        "moderator": UserFactory(verified=True, moderator=True),
        "superuser": UserFactory(verified=True, is_superuser=True, is_staff=True),
    }
    # A second administrator so that removing or demoting never hits the last-admin rule.
    MembershipFactory(organization=a, admin=True)
    target = MembershipFactory(organization=a)
    join_request = JoinRequestFactory(organization=a)
    invitation, _token = make_invitation(organization=a)
    # B's objects, for the IDOR attempts.
    b_target = MembershipFactory(organization=b)
    b_join_request = JoinRequestFactory(organization=b)
    b_invitation, _token = make_invitation(organization=b)
    return {
        "a": a,
        "b": b,
        "users": users,
        "target": target,
        "join_request": join_request,
        "invitation": invitation,
        "b_objects": {"target": b_target, "join_request": b_join_request, "invitation": b_invitation},
    }


def _status(obj):
    return type(obj).objects.get(pk=obj.pk).status


# action: (method, url name, object key or None, data(prefix obj), done(world) -> bool)
ACTIONS = {
    "view_org": ("get", "accounts:organization", None, None, None),
    "view_members": ("get", "accounts:members", None, None, None),
    "invite": (
        "post",
        "accounts:invite",
        None,
        lambda w: {"invite-email": "new@example.org", "invite-role": "editor"},
        lambda w: Invitation.objects.filter(email="new@example.org").exists(),
    ),
    "change_role": (
        "post",
        "accounts:member_role",
        "target",
        lambda w: {f"member-{w['target'].pk}-role": "admin"},
        lambda w: Membership.objects.get(pk=w["target"].pk).role == "admin",
    ),
    "remove": (
        "post",
        "accounts:member_remove",
        "target",
        lambda w: {},
        lambda w: not Membership.objects.filter(pk=w["target"].pk).exists(),
    ),
    "accept_request": (
        "post",
        "accounts:join_request_accept",
        "join_request",
        lambda w: {f"accept-{w['join_request'].pk}-role": "editor"},
        lambda w: _status(w["join_request"]) == RequestStatus.ACCEPTED,
    ),
    "refuse_request": (
        "post",
        "accounts:join_request_refuse",
        "join_request",
        lambda w: {f"refuse-{w['join_request'].pk}-reason": "Pas chez nous."},
        lambda w: _status(w["join_request"]) == RequestStatus.REFUSED,
    ),
    "revoke_invitation": (
        "post",
        "accounts:invitation_revoke",
        "invitation",
        lambda w: {},
        lambda w: _status(w["invitation"]) == RequestStatus.WITHDRAWN,
    ),
    "resend_invitation": (
        "post",
        "accounts:invitation_resend",
        "invitation",
        lambda w: {},
        lambda w: Invitation.objects.get(pk=w["invitation"].pk).token_hash != w["invitation"].token_hash,
    ),
}

SEE = {"editor_a", "admin_a", "moderator", "superuser"}
MANAGE = {"admin_a", "moderator", "superuser"}


def expected(role, action):
    if role == "anonymous":
        return "login"
    if role not in SEE:
        return 404
    if action in ("view_org", "view_members"):
        return 200
    return "done" if role in MANAGE else 403


def _client(client, user):
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(client, world, role, action):
    method, name, key, data, done = ACTIONS[action]
    kwargs = {"slug": world["a"].slug}
    if key:
        kwargs["pk"] = world[key].pk
    url = reverse(name, kwargs=kwargs)
    client = _client(client, world["users"][role])
    response = getattr(client, method)(url, data(world) if data else None)
    outcome = expected(role, action)
    if outcome == "login":
        assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    elif outcome == "done":
        assert response.status_code == 302, response.content[:500]
        assert response["Location"] == reverse("accounts:members", kwargs={"slug": world["a"].slug})
    else:
        assert response.status_code == outcome
    if done is not None:
        assert done(world) is (outcome == "done")


@pytest.mark.parametrize("action", [a for a, spec in ACTIONS.items() if spec[2]])
@pytest.mark.parametrize("role", ["admin_b", "moderator"])
def test_idor_ids_of_a_through_b(client, world, role, action):
    """B's administrator (or a moderator) calls B's URL with an id of A's object: 404, nothing changes."""
    _method, name, key, data, done = ACTIONS[action]
    url = reverse(name, kwargs={"slug": world["b"].slug, "pk": world[key].pk})
    response = _client(client, world["users"][role]).post(url, data(world))
    assert response.status_code == 404
    assert done(world) is False


@pytest.mark.parametrize("key", ["target", "join_request", "invitation"])
def test_idor_ids_of_b_through_a(client, world, key):
    """A's administrator calls A's URL with an id of B's object: 404, B's object unchanged."""
    names = {
        "target": ("accounts:member_remove", lambda o: Membership.objects.filter(pk=o.pk).exists()),
        "join_request": ("accounts:join_request_refuse", lambda o: _status(o) == RequestStatus.PENDING),
        "invitation": ("accounts:invitation_revoke", lambda o: _status(o) == RequestStatus.PENDING),
    }
    name, unchanged = names[key]
    obj = world["b_objects"][key]
    url = reverse(name, kwargs={"slug": world["a"].slug, "pk": obj.pk})
    response = _client(client, world["users"]["admin_a"]).post(url, {f"refuse-{obj.pk}-reason": "x"})
    assert response.status_code == 404
    assert unchanged(obj)


@pytest.mark.parametrize("role", ["no_membership", "admin_b"])
def test_drafts_and_published_answer_the_same_404(client, world, role):
    draft = OrganizationFactory(draft=True)
    client = _client(client, world["users"][role])
    for organization in (draft, world["a"]):
        for name in ("accounts:organization", "accounts:members"):
            assert client.get(reverse(name, kwargs={"slug": organization.slug})).status_code == 404
    assert client.get(reverse("accounts:organization", kwargs={"slug": "no-such-thing"})).status_code == 404


def test_draft_organisation_is_seen_by_its_members(client):
    membership = MembershipFactory(organization=OrganizationFactory(draft=True))
    client = _client(client, membership.user)
    assert (
        client.get(reverse("accounts:organization", kwargs={"slug": membership.organization.slug})).status_code == 200
    )


def test_get_on_action_urls_is_refused(client, world):
    client = _client(client, world["users"]["admin_a"])
    url = reverse("accounts:member_remove", kwargs={"slug": world["a"].slug, "pk": world["target"].pk})
    assert client.get(url).status_code == 405
    assert Membership.objects.filter(pk=world["target"].pk).exists()


def test_actions_need_the_csrf_token(world):
    from django.test import Client

    client = _client(Client(enforce_csrf_checks=True), world["users"]["admin_a"])
    url = reverse("accounts:member_remove", kwargs={"slug": world["a"].slug, "pk": world["target"].pk})
    assert client.post(url).status_code == 403
    assert Membership.objects.filter(pk=world["target"].pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_staff_list_of_join_requests(client, world, role):
    response = _client(client, world["users"][role]).get(reverse("accounts:join_requests"))
    if role == "anonymous":
        assert response.status_code == 302
    elif role in ("moderator", "superuser"):
        assert response.status_code == 200
        assert world["a"].name in response.content.decode()
    else:
        assert response.status_code == 403


def test_withdraw_someone_elses_request_is_404(client, world):
    other = world["join_request"]
    response = _client(client, world["users"]["no_membership"]).post(
        reverse("accounts:join_request_withdraw", kwargs={"pk": other.pk})
    )
    assert response.status_code == 404
    assert _status(other) == RequestStatus.PENDING
    response = _client(client, other.user).post(reverse("accounts:join_request_withdraw", kwargs={"pk": other.pk}))
    assert response.status_code == 302 and _status(other) == RequestStatus.WITHDRAWN


def test_answering_someone_elses_invitation_from_my_space_is_404(client, world):
    invitation = world["invitation"]
    response = _client(client, world["users"]["no_membership"]).post(
        reverse("accounts:invitation_answer", kwargs={"pk": invitation.pk}), {"decision": "accept"}
    )
    assert response.status_code == 404
    assert _status(invitation) == RequestStatus.PENDING
    assert JoinRequest.objects.filter(pk=world["join_request"].pk, status=RequestStatus.PENDING).exists()


# --- the Django admin is no way around the rules ----------------------------------------------


def _admin_client(client, user):
    return _client(client, user)


def test_user_admin_powers_are_changed_by_superusers_only(client):
    """An administrator-role staff member allowed to change users cannot make
    themselves superuser, staff, or give themselves groups or permissions."""
    from django.contrib.auth.models import Permission

    staff = UserFactory(verified=True, administrator=True, is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"], content_type__app_label="accounts")
    )
    url = reverse("admin:accounts_user_change", args=[staff.pk])
    client = _admin_client(client, staff)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{name}"' not in html
    data = {
        "username": staff.username,
        "email": staff.email,
        "display_name": "Moi",
        "participant_category": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    staff.refresh_from_db()
    assert staff.display_name == "Moi" and not staff.is_superuser
    # A superuser's account is not theirs to change.
    boss = UserFactory(is_superuser=True, is_staff=True)
    assert (
        client.post(
            reverse("admin:accounts_user_change", args=[boss.pk]), {**data, "username": boss.username}
        ).status_code
        == 403
    )
    # A superuser still can.
    superuser = UserFactory(verified=True, is_superuser=True, is_staff=True)
    assert 'name="is_superuser"' in _admin_client(client, superuser).get(url).content.decode()


def test_membership_admin_keeps_the_last_administrator(client):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    admin = MembershipFactory(admin=True)
    editor = MembershipFactory(organization=admin.organization)
    superuser = UserFactory(verified=True, is_superuser=True, is_staff=True)
    client = _admin_client(client, superuser)
    # The role is read-only on an existing membership.
    change = client.get(reverse("admin:accounts_membership_change", args=[admin.pk])).content.decode()
    assert 'name="role"' not in change
    # Deleting the last administrator is refused; deleting an editor goes through the service.
    assert client.get(reverse("admin:accounts_membership_delete", args=[admin.pk])).status_code == 403
    assert client.post(reverse("admin:accounts_membership_delete", args=[admin.pk]), {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=admin.pk).exists()
    changelist = reverse("admin:accounts_membership_changelist")
    assert "delete_selected" not in client.get(changelist).content.decode()
    response = client.post(
        changelist, {"action": "make_editor", ACTION_CHECKBOX_NAME: [admin.pk, editor.pk]}, follow=True
    )
    assert Membership.objects.get(pk=admin.pk).role == "admin"
    assert "dernier administrateur" in response.content.decode()
    client.post(changelist, {"action": "remove_members", ACTION_CHECKBOX_NAME: [admin.pk, editor.pk]})
    assert list(Membership.objects.filter(organization=admin.organization)) == [admin]


def test_join_request_and_invitation_admin_are_read_only(client):
    join_request = JoinRequestFactory()
    invitation, _token = make_invitation()
    client = _admin_client(client, UserFactory(verified=True, is_superuser=True, is_staff=True))
    html = client.get(reverse("admin:accounts_joinrequest_change", args=[join_request.pk])).content.decode()
    for name in ("status", "reason", "user", "organization"):
        assert f'name="{name}"' not in html
    assert client.get(reverse("admin:accounts_joinrequest_add")).status_code == 403
    html = client.get(reverse("admin:accounts_invitation_change", args=[invitation.pk])).content.decode()
    for name in ("status", "email", "role", "expires_at", "last_sent_at"):
        assert f'name="{name}"' not in html
