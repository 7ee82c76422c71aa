"""Every endpoint against every role: the matrix must list each endpoint of app.url_map.

"coordinator" is the coordinator of the country the objects belong to (CL); "coordinator_other" coordinates
another country (AR) and must be refused every object of CL."""
import pytest

from app.extensions import db

ROLES = ("anonymous", "trainee", "trainer", "coordinator", "coordinator_other", "admin")
LOGIN = 302  # anonymous visitors are sent to the sign-in page


def row(anonymous, trainee, trainer, coordinator, coordinator_other, admin):
    return dict(zip(ROLES, (anonymous, trainee, trainer, coordinator, coordinator_other, admin)))


# endpoint -> (method, expected status per role)
MATRIX = {
    "main.index": ("GET", row(200, 200, 200, 200, 200, 200)),
    "main.healthz": ("GET", row(200, 200, 200, 200, 200, 200)),
    "auth.login": ("GET", row(200, 302, 302, 302, 302, 302)),
    "auth.logout": ("POST", row(302, 302, 302, 302, 302, 302)),
    "auth.account": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "auth.account_language": ("POST", row(LOGIN, 400, 400, 400, 400, 400)),
    "auth.account_password": ("POST", row(LOGIN, 400, 400, 400, 400, 400)),
    "places.regions": ("GET", row(LOGIN, 403, 200, 200, 200, 200)),
    "places.institutions": ("GET", row(LOGIN, 403, 200, 200, 403, 200)),
    "admin.users": ("GET", row(LOGIN, 403, 200, 200, 200, 200)),
    "admin.user_new": ("GET", row(LOGIN, 403, 403, 200, 200, 200)),
    "admin.user_detail": ("GET", row(LOGIN, 403, 200, 200, 403, 200)),
    "admin.user_edit": ("GET", row(LOGIN, 403, 403, 200, 403, 200)),
    "admin.institutions": ("GET", row(LOGIN, 403, 200, 200, 200, 200)),
    "admin.institution_new": ("GET", row(LOGIN, 403, 403, 200, 200, 200)),
    "admin.institution_edit": ("GET", row(LOGIN, 403, 403, 200, 403, 200)),
    "admin.institution_delete": ("POST", row(LOGIN, 403, 403, 302, 403, 302)),
    "admin.cohorts": ("GET", row(LOGIN, 403, 200, 200, 200, 200)),
    "admin.cohort_new": ("GET", row(LOGIN, 403, 403, 200, 200, 200)),
    "admin.cohort_detail": ("GET", row(LOGIN, 403, 200, 200, 403, 200)),
    "admin.cohort_edit": ("GET", row(LOGIN, 403, 403, 200, 403, 200)),
    "admin.cohort_delete": ("POST", row(LOGIN, 403, 403, 302, 403, 302)),
    "admin.cohort_add_members": ("POST", row(LOGIN, 403, 403, 302, 403, 302)),
    "admin.cohort_remove_member": ("POST", row(LOGIN, 403, 403, 302, 403, 302)),
}

IGNORED = {"static"}


@pytest.fixture
def objects(make_user, make_institution, make_cohort):
    """One object of each kind, all in Chile."""
    institution = make_institution(country="CL", region="CL-BI", level="regional")
    member = make_user(roles=("trainee",), country="CL", institution=institution)
    cohort = make_cohort(country="CL", members=[member])
    return {
        "code": "CL",
        "user_uuid": str(member.uuid),
        "institution_id": institution.id,
        "cohort_id": cohort.id,
    }


def url_args(app, endpoint, objects):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return {name: objects[name] for name in rule.arguments}


def test_matrix_lists_every_endpoint(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    assert endpoints - MATRIX.keys() == set(), "endpoints missing from the permission matrix"
    assert MATRIX.keys() - endpoints == set(), "the matrix lists endpoints that no longer exist"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_endpoint_answers_each_role_as_expected(app, client, login_as, objects, endpoint, role):
    method, expected = MATRIX[endpoint]
    if role == "coordinator_other":
        login_as("coordinator", country="AR")
    elif role != "anonymous":
        login_as(role, country="CL")
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **url_args(app, endpoint, objects))
    response = client.open(url, method=method)
    assert response.status_code == expected[role], f"{method} {url} as {role}"
    db.session.rollback()
