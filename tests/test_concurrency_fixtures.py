"""The helpers that send requests at once (tests/fixtures/concurrency.py) fail a test whose requests were not
held as it meant, rather than let it pass without having tested what it says."""
import pytest

from tests.fixtures.concurrency import deleted_first


def test_requests_not_held_together_fail_the_test(send_at_once, make_user):
    """One request never runs the statement they meet at: the other waited its 2 seconds and went on, and the test
    passed or failed by chance."""
    user = make_user()
    reads_a_person = lambda sql: "FROM user " in sql or 'FROM "user" ' in sql  # noqa: E731
    with pytest.raises(pytest.fail.Exception, match="not held together: request \\[1\\] ended without"):
        send_at_once([(user, "GET", "/auth/account", None), (None, "GET", "/static/favicon.ico", None)],
                     meet=reads_a_person)


def test_a_change_whose_row_was_never_deleted_fails_the_test(app, client, login_as):
    """deleted_first holds a change back until the row is deleted: when no deletion came, the change went on
    after 3 seconds, silently, and the test saw what happens without a deletion."""
    login_as("trainee")
    with pytest.raises(pytest.fail.Exception, match="without its row deleted first: no deletion within 0.2 s"):
        with deleted_first(app, "user", "/language", wait=0.2):
            client.post("/auth/account/language", data={"locale": "es"})
