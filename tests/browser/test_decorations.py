"""What is only drawn (separators, arrows) is not read out: a screen reader hears the page's words alone."""
import pytest

from tests.fixtures.browser import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [360, 1280])
def test_the_breadcrumbs_separators_are_not_read_out(page, live_server, make_user, width):
    """The "›" between the breadcrumbs was CSS generated text, which browsers put in the accessibility tree: a
    screen reader read "Competence frameworks, single right-pointing angle quotation mark, …"."""
    make_user(roles=("admin",), country=None, email="admin@example.org", locale="en")
    page.set_viewport_size({"width": width, "height": 740})
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/users/new")
    trail = page.get_by_role("navigation", name="Breadcrumb")
    tree = trail.aria_snapshot()
    assert 'link "People"' in tree  # (the trail has a link before a separator)
    assert "›" not in tree, tree
