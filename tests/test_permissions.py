"""Every endpoint against every role: the matrix must list each endpoint of app.url_map.

"coordinator" is the coordinator of the country the objects belong to (CL); "coordinator_other" coordinates
another country (AR) and must be refused every object of CL."""
import pytest

from app.extensions import db
from tests.fixtures.endpoints import url_args

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
    "auth.account_competences": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "auth.account_self_assessment": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "auth.account_data": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),  # one's own data, whoever one is
    "auth.account_language": ("POST", row(LOGIN, 400, 400, 400, 400, 400)),
    "auth.account_timezone": ("POST", row(LOGIN, 400, 400, 400, 400, 400)),
    "auth.account_password": ("POST", row(LOGIN, 400, 400, 400, 400, 400)),
    # the sign-in of a trainee of CL: nobody else may end it (not even an admin, who deactivates instead)
    "auth.account_sign_in_end": ("POST", row(LOGIN, 404, 404, 404, 404, 404)),
    "auth.account_sign_ins_end_others": ("POST", row(LOGIN, 302, 302, 302, 302, 302)),
    "places.regions": ("GET", row(401, 403, 200, 200, 200, 200)),  # JSON: a 401, not the sign-in page
    "places.institutions": ("GET", row(401, 403, 200, 200, 403, 200)),
    "places.cohorts": ("GET", row(401, 403, 200, 200, 403, 200)),
    "admin.users": ("GET", row(LOGIN, 403, 200, 200, 200, 200)),
    "admin.user_new": ("GET", row(LOGIN, 403, 403, 200, 200, 200)),
    "admin.user_detail": ("GET", row(LOGIN, 403, 200, 200, 403, 200)),
    "admin.user_edit": ("GET", row(LOGIN, 403, 403, 200, 403, 200)),
    "admin.institutions": ("GET", row(LOGIN, 403, 200, 200, 200, 200)),
    "admin.institution_new": ("GET", row(LOGIN, 403, 403, 200, 200, 200)),
    "admin.institution_edit": ("GET", row(LOGIN, 403, 403, 200, 403, 200)),
    "admin.institution_delete": ("POST", row(LOGIN, 403, 403, 200, 403, 200)),
    "admin.institution_move": ("POST", row(LOGIN, 403, 403, 302, 403, 302)),
    # the objects' country has no competence framework loaded (COMPETENCE_FRAMEWORK is s3): nothing to validate
    "admin.user_validate_level": ("POST", row(LOGIN, 403, 403, 404, 403, 404)),
    "admin.validation_withdraw": ("POST", row(LOGIN, 403, 403, 200, 403, 200)),  # 200: the page that asks first
    "admin.cohorts": ("GET", row(LOGIN, 403, 200, 200, 200, 200)),
    "admin.cohort_new": ("GET", row(LOGIN, 403, 403, 200, 200, 200)),
    "admin.cohort_detail": ("GET", row(LOGIN, 403, 200, 200, 403, 200)),
    "admin.cohort_edit": ("GET", row(LOGIN, 403, 403, 200, 403, 200)),
    "admin.cohort_delete": ("POST", row(LOGIN, 403, 403, 200, 403, 200)),  # 200: the page that asks first
    "admin.cohort_add_members": ("POST", row(LOGIN, 403, 403, 400, 403, 400)),  # nobody ticked: said on the page
    "admin.cohort_remove_member": ("POST", row(LOGIN, 403, 403, 302, 403, 302)),
    "auth.accept_invitation": ("GET", row(404, 404, 404, 404, 404, 404)),  # an unknown token
    "auth.forgot_password": ("GET", row(200, 200, 200, 200, 200, 200)),
    "auth.reset_password": ("GET", row(404, 404, 404, 404, 404, 404)),
    "notifications.index": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "notifications.open": ("GET", row(LOGIN, 403, 403, 403, 403, 403)),  # someone else's notification
    "notifications.read_all": ("POST", row(LOGIN, 302, 302, 302, 302, 302)),
    "notifications.preferences": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "admin.invitations": ("GET", row(LOGIN, 403, 403, 200, 200, 200)),
    "admin.invitation_resend": ("POST", row(LOGIN, 403, 403, 302, 403, 302)),
    "admin.invitation_withdraw": ("POST", row(LOGIN, 403, 403, 200, 403, 200)),  # 200: the page that asks first
    "admin.jobs": ("GET", row(LOGIN, 403, 403, 403, 403, 200)),
    "admin.job_retry": ("POST", row(LOGIN, 403, 403, 403, 403, 302)),
    "admin.outbox": ("GET", row(LOGIN, 403, 403, 403, 403, 200)),
    "admin.outbox_message": ("GET", row(LOGIN, 403, 403, 403, 403, 200)),
    "admin.import_upload": ("GET", row(LOGIN, 403, 403, 200, 200, 200)),
    "admin.import_template": ("GET", row(LOGIN, 403, 403, 200, 200, 200)),
    "admin.import_preview": ("GET", row(LOGIN, 403, 403, 200, 403, 200)),
    "admin.import_confirm": ("POST", row(LOGIN, 403, 403, 302, 403, 302)),
    "admin.import_problems": ("GET", row(LOGIN, 403, 403, 200, 403, 200)),
    "admin.import_invitations": ("POST", row(LOGIN, 403, 403, 302, 403, 302)),
    "admin.lrs_clients": ("GET", row(LOGIN, 403, 403, 403, 403, 200)),
    "admin.lrs_client_new": ("GET", row(LOGIN, 403, 403, 403, 403, 200)),
    "admin.lrs_client_edit": ("GET", row(LOGIN, 403, 403, 403, 403, 200)),
    "admin.lrs_client_revoke": ("POST", row(LOGIN, 403, 403, 403, 403, 200)),  # 200: the page that asks first
    "admin.lrs_forward_retry": ("POST", row(LOGIN, 403, 403, 403, 403, 302)),
    # the LRS takes no session: without xAPI credentials everyone gets 401 (tests/xapi cover the rest)
    "xapi.statements": ("GET", row(401, 401, 401, 401, 401, 401)),
    "xapi.about": ("GET", row(200, 200, 200, 200, 200, 200)),
    "xapi.state": ("GET", row(401, 401, 401, 401, 401, 401)),
    "xapi.activity_profile": ("GET", row(401, 401, 401, 401, 401, 401)),
    "xapi.agent_profile": ("GET", row(401, 401, 401, 401, 401, 401)),
    "xapi.activities": ("GET", row(401, 401, 401, 401, 401, 401)),
    "xapi.agents": ("GET", row(401, 401, 401, 401, 401, 401)),
    "competences.index": ("GET", row(LOGIN, 403, 200, 200, 200, 200)),
    "competences.framework": ("GET", row(LOGIN, 403, 200, 200, 200, 200)),
    "competences.export": ("GET", row(LOGIN, 403, 200, 200, 200, 200)),
    "competences.edit_competence": ("GET", row(LOGIN, 403, 200, 403, 403, 200)),
    "competences.edit_level": ("GET", row(LOGIN, 403, 200, 403, 403, 200)),
    "competences.edit_area": ("GET", row(LOGIN, 403, 200, 403, 403, 200)),
    "competences.competence": ("GET", row(200, 200, 200, 200, 200, 200)),  # public: the competence's IRI
    # an empty form is sent back with its errors; coordinators (of any country) read but do not move
    "competences.move_use": ("POST", row(LOGIN, 403, 400, 403, 403, 400)),
    "courses.catalogue": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "courses.course": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "courses.start": ("GET", row(LOGIN, 302, 302, 302, 302, 302)),
    "courses.module": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "courses.printable": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "courses.printable_course": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "courses.asset": ("GET", row(LOGIN, 200, 200, 200, 200, 200)),
    "courses.publication": ("POST", row(LOGIN, 403, 200, 403, 403, 200)),  # 200: withdrawing asks first
}

IGNORED = {"static"}

# the other method of the endpoints that take both GET and POST (MATRIX asks with GET): an empty form sent by the
# people allowed comes back with its errors (400), everyone else is refused before the form is read
POST_MATRIX = {
    "auth.login": row(400, 302, 302, 302, 302, 302),
    "auth.account_self_assessment": row(LOGIN, 200, 200, 200, 200, 200),  # no framework loaded: nothing to ask
    "auth.accept_invitation": row(404, 404, 404, 404, 404, 404),  # an unknown token
    "auth.forgot_password": row(400, 400, 400, 400, 400, 400),
    "auth.reset_password": row(404, 404, 404, 404, 404, 404),
    "notifications.preferences": row(LOGIN, 302, 302, 302, 302, 302),  # nothing ticked: no e-mails
    "admin.user_new": row(LOGIN, 403, 403, 400, 400, 400),
    "admin.user_edit": row(LOGIN, 403, 403, 400, 403, 400),
    "admin.institution_new": row(LOGIN, 403, 403, 400, 400, 400),
    # a form sent with no field at all is read as the record's own values: saved unchanged
    "admin.institution_edit": row(LOGIN, 403, 403, 302, 403, 302),
    "admin.cohort_new": row(LOGIN, 403, 403, 400, 400, 400),
    "admin.cohort_edit": row(LOGIN, 403, 403, 302, 403, 302),
    "admin.import_upload": row(LOGIN, 403, 403, 400, 400, 400),
    "admin.lrs_client_new": row(LOGIN, 403, 403, 403, 403, 400),
    "admin.lrs_client_edit": row(LOGIN, 403, 403, 403, 403, 302),
    "competences.edit_competence": row(LOGIN, 403, 400, 403, 403, 400),
    "competences.edit_level": row(LOGIN, 403, 400, 403, 403, 400),
    "competences.edit_area": row(LOGIN, 403, 400, 403, 403, 400),
}

# endpoints that answer JSON-LD to a client asking for it (Accept: application/ld+json), whoever asks: the
# machine-readable description of a competence and of its framework, which credentials and statements point at
PUBLIC_AS_JSON_LD = {
    "competences.competence": row(200, 200, 200, 200, 200, 200),
    "competences.framework": row(200, 200, 200, 200, 200, 200),  # its page is for staff: see MATRIX
}


def test_matrix_lists_every_endpoint(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    assert endpoints - MATRIX.keys() == set(), "endpoints missing from the permission matrix"
    assert MATRIX.keys() - endpoints == set(), "the matrix lists endpoints that no longer exist"


def test_post_matrix_lists_every_endpoint_that_takes_get_and_post(app):
    both = {rule.endpoint for rule in app.url_map.iter_rules() if {"GET", "POST"} <= rule.methods
            and not rule.endpoint.startswith("xapi.")} - {"admin.cohort_add_members"}  # MATRIX asks it with POST
    assert both == POST_MATRIX.keys()


def signed_in_as(role: str, login_as, app, endpoint: str, objects) -> str:
    """Sign in as ``role`` (a Chilean one; the other country's coordinator is Argentina's) and give the address of
    ``endpoint`` for the test objects."""
    if role == "coordinator_other":
        login_as("coordinator", country="AR")
    elif role != "anonymous":
        login_as(role, country="CL")
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **url_args(app, endpoint, objects))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_endpoint_answers_each_role_as_expected(app, client, login_as, objects, endpoint, role):
    method, expected = MATRIX[endpoint]
    url = signed_in_as(role, login_as, app, endpoint, objects)
    with client.open(url, method=method) as response:
        assert response.status_code == expected[role], f"{method} {url} as {role}"
    db.session.rollback()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(PUBLIC_AS_JSON_LD))
def test_json_ld_answers_each_role_as_expected(app, client, login_as, objects, endpoint, role):
    url = signed_in_as(role, login_as, app, endpoint, objects)
    with client.get(url, headers={"Accept": "application/ld+json"}) as response:
        assert response.status_code == PUBLIC_AS_JSON_LD[endpoint][role], f"GET {url} as {role}"
        assert response.mimetype == "application/ld+json"
    db.session.rollback()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(POST_MATRIX))
def test_endpoint_takes_a_post_from_each_role_as_expected(app, client, login_as, objects, endpoint, role):
    url = signed_in_as(role, login_as, app, endpoint, objects)
    with client.post(url, data={}) as response:
        assert response.status_code == POST_MATRIX[endpoint][role], f"POST {url} as {role}"
    db.session.rollback()
