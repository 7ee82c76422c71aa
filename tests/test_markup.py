"""Markup every page shares: ids are unique, even where a page holds several forms."""
import re
from collections import Counter

from tests.fixtures.factories import session_id


def repeated_ids(html: str) -> list[str]:
    return [name for name, count in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if count > 1]


def test_pages_with_several_forms_repeat_no_id(app, client, login_as, make_user, make_cohort):
    app.config["WTF_CSRF_ENABLED"] = True  # the hidden token each form carries
    admin = login_as("admin", country=None, locale="en")
    session_id(admin)  # signed in on a second device too: one more form on the account page
    trainee = make_user(country="CL", password=None)  # invited: send again, withdraw
    cohort = make_cohort(country="CL", members=[trainee, make_user(country="CL")])
    for path in ("/auth/account", f"/admin/users/{trainee.uuid}", f"/admin/cohorts/{cohort.id}",
                 "/notifications/preferences"):
        html = client.get(path).get_data(as_text=True)
        assert html.count("<form") >= (5 if path == "/auth/account" else 2), path  # the header's sign-out too
        assert 'name="csrf_token"' in html, path
        assert repeated_ids(html) == [], path
