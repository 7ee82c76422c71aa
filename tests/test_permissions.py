"""Every endpoint against every role: the matrix (tests/fixtures/matrix.py) must list each endpoint of app.url_map.

"coordinator" is the coordinator of the country the objects belong to (CL); "coordinator_other" coordinates
another country (AR) and must be refused every object of CL."""
import pytest

from app.extensions import db
from tests.fixtures.endpoints import url_args
from tests.fixtures.matrix import MATRIX, POST_MATRIX, ROLES, row

IGNORED = {"static"}

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


def test_a_deactivated_person_is_answered_as_a_visitor(app, client, login_as, objects):
    """A session left open by someone whose account was then deactivated reaches nothing more than a visitor does,
    whatever roles the account still holds. One test over every endpoint: each request re-puts the session, so that
    no answer (a sign-out, a redirect) changes what the next one is asked with."""
    from flask import url_for

    admin = login_as("admin", country="CL", is_active=False)
    wrong = []
    for endpoint in sorted(MATRIX):
        method, expected = MATRIX[endpoint]
        login_as(admin)
        with app.test_request_context():
            url = url_for(endpoint, **url_args(app, endpoint, objects))
        with client.open(url, method=method) as response:
            if response.status_code != expected["anonymous"]:
                wrong.append(f"{method} {url}: {response.status_code}, not {expected['anonymous']}")
        db.session.rollback()
    assert wrong == []
