"""Searching names: what is typed is matched whole, never cut to the length of the names searched."""
import pytest

from app.auth.services import UserFilter, visible_users
from app.cohorts.services import visible_cohorts
from app.extensions import db
from app.places.services import institution_matches, visible_institutions
from app.text import KEY_LENGTH

NAME = "Ana " + "b" * (KEY_LENGTH - 4)  # as long as a name can be
# the name, then a word it lacks: cut at the length of a name, the search was the name itself
LONGER = [NAME + " zzz", NAME[:5] + " " + "b" * KEY_LENGTH, "ana " * 60 + "zzz"]


@pytest.mark.parametrize("words", LONGER)
def test_a_search_longer_than_any_name_finds_nobody_rather_than_what_its_beginning_finds(
        app, make_user, make_institution, make_cohort, words):
    admin = make_user(roles=("admin",), country=None)
    institution = make_institution(country="CL", name=NAME)
    person = make_user(country="CL", name=NAME, institution=institution)
    cohort = make_cohort(country="CL", name=NAME, members=[person])
    searches = {person: lambda q: visible_users(admin, UserFilter(q=q)), institution: lambda q: visible_institutions(
        admin, q=q), cohort: lambda q: visible_cohorts(admin, q=q)}
    for row, search in searches.items():
        assert row in db.session.scalars(search(NAME[:10])).all(), row  # its beginning finds it
        assert row not in db.session.scalars(search(words)).all(), row
    assert institution_matches(institution, NAME[:10])
    assert not institution_matches(institution, words)


def test_words_in_any_order_still_find_a_name(app, make_user):
    admin = make_user(roles=("admin",), country=None)
    person = make_user(country="CL", name="João da Silva")
    assert db.session.scalars(visible_users(admin, UserFilter(q="silva JOAO"))).all() == [person]
