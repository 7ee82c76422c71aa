import time

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.cohorts.models import CohortMember
from app.errors import ValidationError
from app.extensions import db
from app.imports import services
from app.imports.models import BatchStatus
from app.notifications.models import Notification


def codes(problems):
    return [(p["line"], p["code"]) for p in problems]


def csv(*lines, header="email;full_name;position;institution;region;language"):
    return ("\n".join((header,) + lines) + "\n").encode("utf-8")


def test_every_bad_row_is_reported_with_its_line(app, make_user, make_institution):
    make_institution(country="CL", name="Gobierno Regional del Biobío")
    make_user(email="taken.abroad@example.org", country="AR")
    coordinator = make_user(roles=("coordinator",), country="CL")
    data = csv(
        "ok@example.org;Ana;técnico;gobierno regional del biobio;Biobío;es",  # 2: fine (accents, case)
        "dup@example.org;B;manager;;;",  # 3
        "DUP@example.org;C;manager;;;",  # 4: same as line 3
        "taken.abroad@example.org;D;manager;;;",  # 5: used in another country
        "not-an-email;E;manager;;;",  # 6
        "f@example.org;F;chief;;;",  # 7: unknown position
        "g@example.org;G;manager;Ministry of Magic;;",  # 8
        "h@example.org;H;manager;;Atlantis;",  # 9
        "i@example.org;;manager;;;fr",  # 10: no name, unknown language
        "",
        "j@example.org;J;manager;;CL-NB;pt",  # 12: fine (region by code, language alias)
    )
    batch = services.preview(coordinator, filename="lista.csv", data=data, country_code="CL")
    assert codes(batch.problems) == [(4, "duplicate"), (5, "taken"), (6, "email"), (7, "position"),
                                     (8, "institution"), (9, "region"), (10, "required"), (10, "language")]
    assert services.message(batch.problems[0]) == "The same e-mail address is on line 3"
    with pytest.raises(ValidationError):
        services.run_import(coordinator, batch)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2  # nothing imported


def test_valid_file_imports_everyone_with_invitations_and_cohort(app, make_user, make_institution, make_cohort,
                                                                 outbox):
    institution = make_institution(country="BR", name="Secretaria de Ciência de Pernambuco", region="BR-PE",
                                   level="regional")
    cohort = make_cohort(country="BR", name="Turma 2027")
    coordinator = make_user(roles=("coordinator",), country="BR")
    data = csv("maria@example.org;Maria Souza;gestora;Secretaria de Ciência de Pernambuco;Pernambuco;",
               "jose@example.org;José Lima;técnico;;BR-SP;en")
    batch = services.preview(coordinator, filename="turma.csv", data=data, country_code="BR",
                             cohort_id=cohort.id)
    assert batch.problems == []
    assert services.run_import(coordinator, batch) == 2
    db.session.commit()
    maria = db.session.scalar(sa.select(User).where(User.email == "maria@example.org"))
    jose = db.session.scalar(sa.select(User).where(User.email == "jose@example.org"))
    assert maria.roles == {Role.TRAINEE} and maria.position == "manager" and maria.institution == institution
    assert (maria.region_code, maria.locale, jose.locale) == ("BR-PE", "pt_BR", "en")
    assert maria.password_hash is None
    invitations = [m for m in outbox() if "/auth/invitation/" in m.body]
    assert {m.to_address for m in invitations} == {"maria@example.org", "jose@example.org"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CohortMember)) == 2
    assert batch.status is BatchStatus.IMPORTED and batch.imported_count == 2
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == coordinator.id))
    assert note.kind == "import_completed" and note.data["count"] == 2
    with pytest.raises(ValidationError):
        services.run_import(coordinator, batch)  # a batch is imported once


def test_confirming_checks_again(app, make_user):
    coordinator = make_user(roles=("coordinator",), country="MX")
    batch = services.preview(coordinator, filename="a.csv", data=csv("late@example.org;L;manager;;;"),
                             country_code="MX")
    make_user(email="late@example.org", country="MX")  # taken between preview and confirmation
    with pytest.raises(ValidationError):
        services.run_import(coordinator, batch)
    assert codes(batch.problems) == [(2, "taken")]


def test_coordinators_import_into_their_own_country_only(app, make_user):
    coordinator = make_user(roles=("coordinator",), country="MX")
    with pytest.raises(ValidationError) as error:
        services.preview(coordinator, filename="a.csv", data=csv("x@example.org;X;manager;;;"), country_code="CO")
    assert "country_code" in error.value.errors


def test_five_thousand_rows(app, make_user, outbox):
    coordinator = make_user(roles=("coordinator",), country="CO")
    lines = [f"person{n}@example.org;Persona {n};{'técnico' if n % 2 else 'directivo'};;Antioquia;"
             for n in range(5000)]
    started = time.perf_counter()
    batch = services.preview(coordinator, filename="grande.csv", data=csv(*lines), country_code="CO")
    db.session.commit()
    assert batch.problems == [] and len(batch.rows) == 5000
    assert services.run_import(coordinator, batch) == 5000
    db.session.commit()
    elapsed = time.perf_counter() - started
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.country_code == "CO")) == 5001
    assert len([m for m in outbox() if "/auth/invitation/" in m.body]) == 5000
    print(f"5,000 rows previewed, imported and invited in {elapsed:.1f} s")
