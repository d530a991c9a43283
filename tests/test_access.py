"""Every route x every kind of visitor gets the expected status. A new route without a row here fails."""

import pytest

from tests.conftest import login

ROLES = ("anonymous", "trainee", "trainer", "coordinator")
LOGIN = 302  # anonymous visitors of a protected page are sent to the login page

# endpoint: (URL to GET, expected status for anonymous, trainee, trainer, coordinator)
MATRIX = {
    "core.home": ("/", 200, 200, 200, 200),
    "core.set_language": ("/language", 405, 405, 405, 405),
    "auth.login": ("/login", 200, 302, 302, 302),
    "auth.logout": ("/logout", 405, 405, 405, 405),
    "auth.register": ("/register", 200, 302, 302, 302),
    "auth.profile": ("/profile", LOGIN, 200, 200, 200),
    "auth.change_password": ("/password", LOGIN, 200, 200, 200),
    "auth.forgot_password": ("/password/forgot", 200, 200, 200, 200),
    "auth.reset_password": ("/password/reset/not-a-token", 400, 400, 400, 400),
    "admin.dashboard": ("/admin/", LOGIN, 403, 403, 200),
    "admin.users": ("/admin/users", LOGIN, 403, 403, 200),
    "admin.edit_user": ("/admin/users/{user_id}", LOGIN, 403, 403, 200),
    "admin.send_reset": ("/admin/users/{user_id}/reset-password", 405, 405, 405, 405),
    "admin.settings": ("/admin/settings", LOGIN, 403, 403, 200),
    "admin.audit_log": ("/admin/audit", LOGIN, 403, 403, 200),
}


def test_every_route_has_a_row_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - MATRIX.keys() == set(), "add the new routes to MATRIX"
    assert MATRIX.keys() - endpoints == set(), "remove rows of routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, create_user, role):
    target = create_user("trainee", email="target@example.org")
    if role != "anonymous":
        assert login(client, create_user(role).email).status_code == 302
    failures = []
    for endpoint, (url, *expected) in MATRIX.items():
        status = client.get(url.format(user_id=target.id)).status_code
        if status != expected[ROLES.index(role)]:
            failures.append(f"{endpoint} {url}: got {status}, expected {expected[ROLES.index(role)]}")
    assert failures == []


def test_unknown_object_is_404_for_coordinator(client, login_as):
    login_as("coordinator")
    assert client.get("/admin/users/999999").status_code == 404
