import io
import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.imports.models import ImportBatch
from tests.conftest import PG_URL
from tests.fixtures.workbooks import raw_workbook, sheet_xml
from tests.fixtures.markup import banners, markup_problems


def upload(client, data: bytes, name="people.csv", **fields):
    form = {"file": (io.BytesIO(data), name), "country_code": "CL", "cohort_id": "", "send_invitations": "y"}
    form.update(fields)
    return client.post("/admin/import", data=form, content_type="multipart/form-data")


def test_preview_then_import(client, login_as, outbox):
    login_as("coordinator", country="CL")
    response = upload(client, "correo;nombre;cargo\nana@example.org;Ana;técnica\nbeto@example.org;Beto;jefe\n"
                      .encode("cp1252"))
    assert response.status_code == 302
    preview = client.get(response.location).get_data(as_text=True)
    assert "2 people are ready to import." in preview and "Import 2 people" in preview
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1  # nothing yet
    batch = db.session.scalar(sa.select(ImportBatch))
    response = client.post(f"/admin/import/{batch.id}/confirm", follow_redirects=True)
    assert "2 people imported. Invitations have been sent to 2 people." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 3
    assert client.post(f"/admin/import/{batch.id}/confirm").status_code == 302  # a second click imports nothing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 3


def test_the_preview_shows_how_each_row_was_read(client, login_as, make_institution):
    """The rows showed what the file says ("jefe", "Valle", "agencia regional"): whether they had become
    manager, the region Valle del Cauca and the institution Itinera knows could only be seen in the database
    afterwards. Each is now shown as read, with what the file wrote beside it when that differs."""
    make_institution(country="CO", name="Agencia Regional de Innovación")
    login_as("coordinator", country="CO")
    response = upload(client, ("correo;nombre;cargo;institución;región\n"
                               "ana@example.org;Ana;jefe;agencia regional de innovacion;Valle\n"
                               "beto@example.org;Beto;Technician;;CO-ANT\n").encode(), country_code="CO")
    page = unescape(client.get(response.location + "?lang=en").get_data(as_text=True))
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page.split("<h2>Rows</h2>")[1], re.S)][1:]
    assert rows == [
        "2 Ana ana@example.org Manager (“jefe”) Agencia Regional de Innovación (“agencia regional de innovacion”) "
        "Valle del Cauca (“Valle”) Español",
        "3 Beto beto@example.org Technician — Antioquia (“CO-ANT”) Español"]


def test_the_preview_shows_the_language_each_person_will_get(client, login_as):
    """The file's language column was read (a wrong one is a problem) but the rows left it out: the coordinator
    could not see that "portugués" gives Brazil's Portuguese, or that an empty cell gives the country's language,
    nor find the cell a problem was about."""
    login_as("coordinator", country="CO")
    response = upload(client, ("correo;nombre;cargo;idioma\n"
                               "ana@example.org;Ana;jefe;portugués\n"
                               "beto@example.org;Beto;técnico;\n"
                               "caro@example.org;Caro;técnico;klingon\n").encode(), country_code="CO")
    page = unescape(client.get(response.location + "?lang=es").get_data(as_text=True))
    table = page.split("<h2>Filas</h2>")[1]
    assert "<th scope=\"col\">Idioma</th>" in table
    cells = re.findall(r'<td data-label="Idioma">(.*?)</td>', table, re.S)
    assert [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in cells] == [
        "Português (Brasil) (“portugués”)", "Español", "klingon"]
    assert '<span lang="pt-BR">Português (Brasil)</span>' in cells[0]  # named in its own language, and marked so


def test_a_csv_utf_8_with_a_windows_1252_line_is_previewed(client, login_as):
    """Excel's "CSV UTF-8" (a BOM first) with a line pasted from an older file: not "save it as CSV UTF-8"."""
    login_as("coordinator", country="CL")
    data = b"\xef\xbb\xbf" + "correo;nombre;cargo\nana@example.org;Ana Núñez;técnica\n".encode() \
        + "jose@example.org;José Peña;jefe\n".encode("cp1252")
    response = upload(client, data)
    assert response.status_code == 302
    assert "José Peña" in client.get(response.location).get_data(as_text=True)


def test_problems_are_listed_and_no_import_button(client, login_as):
    login_as("admin", country=None)
    response = upload(client, b"email,full_name,position\nx@example.org,X,manager\nx@example.org,Y,boss\n")
    page = client.get(response.location).get_data(as_text=True)
    assert "2 problems: nothing has been imported" in page
    assert "The same e-mail address is on line 2" in page and "“boss” is not a position" in page
    assert "/confirm" not in page


def test_a_file_whose_titles_are_not_known_is_told_which_titles_it_has(client, login_as):
    """"Columns missing" named what the import looks for, not what the file has: a coordinator whose sheet says
    "Cargo/función" could not tell which title to rename. The titles of the line that came closest are
    quoted, a long one cut, a long row's first ten and how many more."""
    login_as("coordinator", country="CL", locale="en")
    response = upload(client, "Mail;Nombre completo;Cargo/función\nana@example.org;Ana;jefa\n".encode())
    text = unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "Columns missing on line 1: Position." in text
    assert "The titles found on that line are “Mail”, “Nombre completo”, and “Cargo/función”." in text
    response = upload(client, b"sep= \nemail;full_name;position\na@example.org;Ana;manager\n")
    text = unescape(response.get_data(as_text=True))
    assert "The only title found on that line is “email;full_name;position”." in text  # one title, as read
    titles = ",".join(["Nombre", "X" * 80] + [f"Col {n}" for n in range(12)])
    text = unescape(upload(client, f"{titles}\nAna\n".encode()).get_data(as_text=True))
    assert f"“Nombre”, “{'X' * 59}…”, “Col 0”" in text and "“Col 7”, and 4 more." in text and "Col 8" not in text


def test_a_file_with_a_plain_and_a_work_address_column_is_told_to_keep_one(client, login_as):
    login_as("coordinator", country="CL", locale="en")
    response = upload(client, "Email;Work email;Full name;Position\nana@gmail.example;ana@gob.example;Ana;jefa\n"
                      .encode())
    text = unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and ("The file has two e-mail columns, “Email” and “Work email”: keep only "
                                            "the one with the addresses the accounts should have") in text, text


def test_file_level_errors_are_shown_on_the_form(client, login_as):
    login_as("coordinator", country="CL")
    response = upload(client, b"nombre,cargo\nA,manager\n")
    assert response.status_code == 400
    assert "Columns missing on line 1: E-mail address" in response.get_data(as_text=True)
    # the titles the file has, to see which to rename
    assert "The titles found on that line are “nombre” and “cargo”." in response.get_data(as_text=True)
    response = upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", name="old.xls")
    assert "save it as CSV or as an Excel workbook" in response.get_data(as_text=True)
    assert upload(client, b"", name="").status_code == 400  # no file chosen


def test_coordinator_cannot_import_abroad_or_see_another_countrys_batch(client, login_as, make_user):
    login_as("coordinator", country="CL")
    response = upload(client, b"email,full_name,position\nx@example.org,X,manager\n", country_code="AR")
    assert response.status_code == 400
    assert "You can only manage people of your own country" in response.get_data(as_text=True)
    from app.imports.services import preview

    argentine = make_user(roles=("coordinator",), country="AR")
    batch = preview(argentine, filename="a.csv", data=b"email,full_name,position\ny@example.org,Y,manager\n",
                    country_code="AR")
    db.session.commit()
    assert client.get(f"/admin/import/{batch.id}").status_code == 403
    assert client.post(f"/admin/import/{batch.id}/confirm").status_code == 403


def test_template_download(client, login_as):
    login_as("coordinator", country="CL")
    response = client.get("/admin/import/template.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.data.startswith("\ufeffemail;full name;position".encode())
    assert response.headers["Content-Disposition"] == 'attachment; filename="itinera-trainees.csv"'


@pytest.mark.parametrize("locale, header, name", [("es", "correo;nombre completo;cargo", "itinera-participantes.csv"),
                                                  ("pt_BR", "e-mail;nome completo;cargo", "itinera-participantes.csv")])
def test_the_template_speaks_the_readers_language_and_imports_as_it_is(client, login_as, locale, header, name):
    """Its columns and the name it is saved under too: a coordinator's downloads folder got "itinera-trainees.csv"
    beside "lista-problemas.csv"."""
    login_as("coordinator", country="CL", locale=locale)
    response = client.get("/admin/import/template.csv")
    template = response.data
    assert template.decode("utf-8-sig").startswith(header)
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    response = upload(client, template, name="plantilla.csv")
    assert response.status_code == 302
    batch = db.session.scalar(sa.select(ImportBatch))
    assert batch.problems == [] and batch.notes == [] and batch.rows[0]["position"] == "técnico"


def test_upload_too_large(login_as, client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    login_as("coordinator", country="CL")
    response = upload(client, b"email,full_name,position\n" + b"x@example.org,X,manager\n" * 200)
    assert response.status_code == 413


@pytest.mark.parametrize("csrf", [False, True])  # with CSRF, the form is read (and refused) before the view
def test_a_file_over_the_size_limit_is_a_message_on_the_file_field(make_app, make_user, csrf):
    from tests.fixtures.factories import session_id

    app = make_app(WTF_CSRF_ENABLED=csrf)
    client = app.test_client()
    with app.app_context():
        coordinator = make_user(roles=("coordinator",), country="CL")
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = session_id(coordinator), True
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # the body as bytes: a file object the test client would spool it to stays open when nobody reads it
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(b"a" * (20 * 1024 * 1024)), "people.csv"),
                                       "country_code": "CL"})
    response = client.post("/admin/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 413
    assert '<a href="#file">The file is larger than 10 MB: keep only the list of people in it, or split the list ' \
           'into several files</a>' in html
    assert 'name="country_code"' in html and 'type="file"' in html  # the form again, to choose another file
    elsewhere = client.post("/admin/users/new", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert elsewhere.status_code == 413 and "The upload is too large" in elsewhere.get_data(as_text=True)


def test_a_text_field_over_the_form_memory_limit_is_not_called_a_large_file(login_as, client, app):
    """Werkzeug refuses a text field over its form-memory limit with a 413 too, for a body well within the
    upload limit: that is not the file being too large."""
    app.config["MAX_FORM_MEMORY_SIZE"] = 1024
    login_as("coordinator", country="CL")
    response = client.post("/admin/import", data={"country_code": "CL", "cohort_id": "x" * 5000,
                                                  "file": (io.BytesIO(b"email,full_name,position\n"), "a.csv")})
    assert response.status_code == 413
    assert "The file is larger than" not in unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("data, name, message", [
    (b"", "people.csv", "The file is empty"),
    (b"", "people.xlsx", "The file is empty"),
    (bytes(range(256)) * 64, "people.csv", "The file's characters could not be read"),
    (b"\x89PNG\r\n\x1a\n" + bytes(5000), "people.csv", "The file's characters could not be read"),
    (b"PK\x03\x04" + b"\x00garbage" * 100, "people.xlsx", "The file could not be opened as an Excel workbook"),
    (b"email,full_name,position\na@example.org,A,manager\n", "people.xlsx",
     "The file could not be opened as an Excel workbook"),
    (b"email,full_name,position\n", "", "Choose a CSV or Excel file"),
    # a workbook that opens, with a cell naming a shared string it lacks: openpyxl raised while reading the rows
    (raw_workbook(sheet_xml(b'<row><c t="s"><v>7</v></c></row>')), "people.xlsx",
     "The file could not be opened as an Excel workbook"),
])
def test_a_file_that_is_no_list_is_a_message_on_the_file_field(client, login_as, data, name, message):
    login_as("coordinator", country="CL")
    response = upload(client, data, name)
    assert response.status_code == 400
    assert re.search(r'<a href="#file">' + re.escape(message), unescape(response.get_data(as_text=True)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_a_workbook_bomb_uploaded_is_a_message_on_the_file_field(client, login_as):
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * (80 * 1024 * 1024))  # a few kilobytes packed
    login_as("coordinator", country="CL")
    response = upload(client, packed.getvalue(), "people.xlsx")
    assert response.status_code == 400
    assert '<a href="#file">The workbook holds more than 1,000,000 cells, or unpacks to more than 64 MB' in \
        unescape(response.get_data(as_text=True))


def test_a_file_full_of_bad_rows_gives_a_short_page_and_a_csv_of_every_problem(client, login_as):
    login_as("coordinator", country="CL")
    lines = "".join(f"not-an-address-{n};Person {n};boss\n" for n in range(5000))
    response = upload(client, ("email;full_name;position\n" + lines).encode())
    page = client.get(response.location)
    html = page.get_data(as_text=True)
    assert "10,000 problems: nothing has been imported" in html
    assert "The first 200 problems are listed here." in html
    assert len(page.data) < 150_000, f"{len(page.data):,} bytes"
    batch = db.session.scalar(sa.select(ImportBatch))
    download = client.get(f"/admin/import/{batch.id}/problems.csv")
    assert download.headers["Content-Type"].startswith("text/csv")
    assert 'filename="people-problems.csv"' in download.headers["Content-Disposition"]
    text = download.data.decode("utf-8-sig").splitlines()
    assert text[0] == "Line;Column;Problem" and len(text) == 10_001
    assert text[1] == "2;E-mail address;“not-an-address-0” is not an e-mail address"


def test_a_double_click_on_import_imports_once_and_says_so(client, login_as):
    login_as("coordinator", country="CL")
    upload(client, b"email,full_name,position\nana@example.org,Ana,manager\n")
    batch = db.session.scalar(sa.select(ImportBatch))
    first = client.post(f"/admin/import/{batch.id}/confirm", follow_redirects=True)
    assert "1 person imported." in first.get_data(as_text=True)
    second = client.post(f"/admin/import/{batch.id}/confirm")
    assert second.status_code == 302 and second.location == f"/admin/import/{batch.id}"
    page = client.get(second.location).get_data(as_text=True)
    assert "This file has already been imported" in page and ": 1 person.</p>" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_after_an_import_into_a_cohort_the_coordinator_lands_on_the_cohort(client, login_as, make_cohort):
    """People imported into a cohort are found on its page (with its search); without a cohort, the country's
    people. After an import of 200 into a cohort the coordinator was sent to the whole country's list."""
    login_as("coordinator", country="CL")
    cohort = make_cohort(country="CL", name="Cohorte 2027")
    upload(client, b"email,full_name,position\nana@example.org,Ana,manager\n", cohort_id=str(cohort.id))
    batch = db.session.scalar(sa.select(ImportBatch))
    response = client.post(f"/admin/import/{batch.id}/confirm")
    assert response.status_code == 302 and response.location == f"/admin/cohorts/{cohort.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "1 person imported." in page and ">Ana</a>" in page  # among the members
    assert "An invitation has been sent to 1 person." in page
    upload(client, b"email,full_name,position\nbeto@example.org,Beto,manager\n")
    alone = db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert client.post(f"/admin/import/{alone.id}/confirm").location.startswith("/admin/users?country=CL")


def test_an_import_refused_half_way_keeps_nothing(client, login_as, make_cohort):
    """The cohort moved to another country between preview and confirmation: adding the people to it is refused,
    and neither the accounts nor the claim on the batch may stay behind."""
    login_as("admin", country=None)
    cohort = make_cohort(country="CL")
    upload(client, b"email,full_name,position\nana@example.org,Ana,manager\n", cohort_id=str(cohort.id))
    batch = db.session.scalar(sa.select(ImportBatch))
    assert batch.cohort_id == cohort.id
    cohort.country_code = "AR"
    db.session.commit()
    response = client.post(f"/admin/import/{batch.id}/confirm")
    assert response.status_code == 302 and response.location == f"/admin/import/{batch.id}"
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "ana@example.org")) is None
    assert db.session.get(ImportBatch, batch.id).status.value == "preview"


def test_a_cohort_deleted_after_the_preview_stops_the_import_until_the_file_is_uploaded_again(
        client, login_as, make_cohort):
    """Someone deleted the cohort chosen while the list waited for confirmation: its people went into no cohort
    and the coordinator was told "1 person imported." as if all were well."""
    login_as("coordinator", country="CL")
    cohort = make_cohort(country="CL", name="Cohorte Biobío 2026")
    upload(client, b"email,full_name,position\nana@example.org,Ana,manager\n", cohort_id=str(cohort.id))
    batch = db.session.scalar(sa.select(ImportBatch))
    assert client.post(f"/admin/cohorts/{cohort.id}/delete", data={"confirmed": "1"}).status_code == 302
    page = unescape(client.get(f"/admin/import/{batch.id}").get_data(as_text=True))
    said = ("The cohort “Cohorte Biobío 2026” chosen for these people was deleted after the file was checked: "
            "upload the file again, to choose another cohort or none.")
    assert said in page and "Import 1 person" not in page and "ready to import" not in page
    response = client.post(f"/admin/import/{batch.id}/confirm", follow_redirects=True)
    assert said in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "ana@example.org")) is None
    assert db.session.get(ImportBatch, batch.id).status.value == "preview"
    # uploaded again, into no cohort: imported
    response = upload(client, b"email,full_name,position\nana@example.org,Ana,manager\n")
    again = db.session.scalar(sa.select(ImportBatch).where(ImportBatch.id != batch.id))
    assert "Import 1 person" in client.get(response.location).get_data(as_text=True)
    client.post(f"/admin/import/{again.id}/confirm")
    assert db.session.scalar(sa.select(User).where(User.email == "ana@example.org")) is not None


def test_a_header_alone_or_a_workbook_far_too_long_is_explained(client, login_as):
    from openpyxl import Workbook

    login_as("coordinator", country="CL")
    response = upload(client, b"email;nombre;cargo\r\n")
    assert response.status_code == 400
    assert "The file names the columns but has no rows of people under them" in response.get_data(as_text=True)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["email", "full name", "position"])
    for n in range(10_020):
        sheet.append([f"p{n}@example.org", "P", "manager"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, buffer.getvalue(), name="lista.xlsx")
    assert response.status_code == 400
    assert "The file has more than 10,000 rows: split it into smaller files" in response.get_data(as_text=True)


def test_surnames_in_their_own_columns_reach_the_accounts(client, login_as):
    login_as("coordinator", country="CL")
    response = upload(client, "Correo;Nombres;Apellido paterno;Apellido materno;Cargo\r\n"
                              "ana@example.org;Ana María;Pérez;Soto;técnica\r\n".encode("cp1252"))
    batch = db.session.scalar(sa.select(ImportBatch))
    assert "Ana María Pérez Soto" in client.get(response.location).get_data(as_text=True)
    client.post(f"/admin/import/{batch.id}/confirm")
    assert db.session.scalar(sa.select(User.full_name).where(User.email == "ana@example.org")) == \
        "Ana María Pérez Soto"


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time: the other import waits for this one")
def test_two_imports_of_the_same_people_at_once(client, login_as, monkeypatch):
    """Another import (or a person added by hand) commits an address of this file after this import checked
    it: the import shows that row's problem on the preview, and imports nobody, instead of an error page."""
    from app.imports import services

    login_as("coordinator", country="CL")
    response = upload(client, b"email,full_name,position\nana@example.org,Ana,technician\nbeto@example.org,Beto,"
                              b"manager\n")
    batch = db.session.scalar(sa.select(ImportBatch))
    checked = services.check_rows
    other = db.engine.connect()

    def the_other_import_commits_first(country_code, rows):
        found = checked(country_code, rows)
        if not other.closed:
            other.execute(sa.insert(User).values(email="beto@example.org", full_name="Beto", country_code="CL",
                                                 is_active=True, session_version=1))
            other.commit()
            other.close()
        return found

    monkeypatch.setattr(services, "check_rows", the_other_import_commits_first)
    response = client.post(f"/admin/import/{batch.id}/confirm", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "nothing has been imported" in page and "beto@example.org" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.email.in_(["ana@example.org", "beto@example.org"]))) == 1  # only the other's Beto


def test_columns_the_import_does_not_know_are_named_on_the_preview(client, login_as):
    """A column left unread is said so (data would otherwise be lost without a word); UF, Brazil's usual name for
    the state column, is the region."""
    login_as("coordinator", country="BR", locale="pt_BR")
    response = upload(client, "E-mail;Nome completo;Cargo;UF;Telefone;Observação\n"
                      "ana@example.org;Ana Souza;técnico;SP;11 5555-0000;\n".encode(), country_code="BR")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "As colunas “Telefone” e “Observação” não foram lidas" in page
    batch = db.session.scalar(sa.select(ImportBatch))
    assert batch.rows[0]["region"] == "SP" and "UF" not in page.split("não foram lidas")[0][-200:]


def test_a_corrected_file_keeps_the_country_cohort_and_invitations_of_the_first(client, login_as, make_cohort):
    login_as("admin", country=None)
    cohort = make_cohort(country="BR")
    response = upload(client, b"email,full_name,position\nnot-an-address,X,manager\n", country_code="BR",
                      cohort_id=str(cohort.id), send_invitations="")
    page = client.get(response.location).get_data(as_text=True)
    link = re.search(r'href="(/admin/import\?[^"]+)"', page).group(1).replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert re.search(r'<option selected value="BR"', form)
    assert re.search(rf'<option selected value="{cohort.id}"', form)
    assert 'name="send_invitations"' in form and not re.search(r'name="send_invitations"[^>]*checked', form)


def test_the_cohort_list_follows_the_country_chosen(client, login_as, make_cohort):
    """Without JavaScript a button shows the cohorts of the country chosen; with it, the list is fetched."""
    login_as("admin", country=None)
    brazilian, chilean = make_cohort(country="BR", name="Turma Brasil"), make_cohort(country="CL", name="Cohorte CL")
    page = client.get("/admin/import?country=CL").get_data(as_text=True)
    assert "Cohorte CL" in page and "Turma Brasil" not in page
    refreshed = client.post("/admin/import", data={"country_code": "BR", "refresh": "1"},
                            content_type="multipart/form-data")
    assert refreshed.status_code == 200
    text = refreshed.get_data(as_text=True)
    assert "Turma Brasil" in text and "Cohorte CL" not in text and "Choose a CSV" not in text
    listed = client.get("/places/countries/BR/cohorts.json").get_json()
    assert listed == [{"id": brazilian.id, "name": "Turma Brasil"}] and chilean.id not in [c["id"] for c in listed]


def test_a_repeated_column_is_said_so_and_long_or_many_titles_are_cut(client, login_as):
    login_as("coordinator", country="CL", locale="en")
    extra = ";".join(f"Column {i} " + "x" * 100 for i in range(14))
    response = upload(client, f"email;full name;position;Email;region;Region;{extra}\n"
                      "ana@example.org;Ana;manager;other@example.org;;;\n".encode())
    page = client.get(response.location).get_data(as_text=True)
    assert "The columns “Email” and “Region” repeat ones read before them: only the first of each was read." in page
    assert "were not read" in page and "4 more" in page and "x" * 100 not in page
    assert len(page) < 20_000


def test_cells_under_no_column_title_are_said_not_to_be_read(client, login_as):
    """A row with more cells than the header has titles (a phone number typed one column too far, a note in the
    column after the last), or a cell under a column with no title, was left out without a word on the preview."""
    login_as("coordinator", country="CL", locale="en")
    rows = "".join(f"person{n}@example.org;;Person {n};manager\n" for n in range(12))
    response = upload(client, ("email;;full name;position\n"
                               "ana@example.org;;Ana;manager;+56 9 1234 5678\n"
                               "bea@example.org;a note;Bea;technician\n"
                               "eva@example.org;;Eva;manager;;\n" + rows.replace("manager\n", "manager;x\n", 11)
                               ).encode())
    page = client.get(response.location).get_data(as_text=True)
    assert ("Cells under no column title were not read, on 13 rows: lines 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, and 3 "
            "more.") in page, page
    assert "Person 11" in page and "+56 9" not in page  # the rows are still shown as read
    response = upload(client, b"email;full name;position\nana@example.org;Ana;manager\n")
    assert "under no column title" not in client.get(response.location).get_data(as_text=True)


@pytest.mark.parametrize("country", ["BR", "PE"])
def test_the_region_hint_gives_a_region_of_the_coordinators_country(client, login_as, country):
    """A Brazilian coordinator was shown "such as CL-BI", a code of Chile, as what the region column may hold."""
    login_as("coordinator", country=country)
    hint = re.search(r"Optional: a region[^<]*", unescape(client.get("/admin/import").get_data(as_text=True)))[0]
    assert "CL-" not in hint and re.search(rf"such as \w[^,]* or {country}-\w+\.", hint), hint


@pytest.mark.parametrize("data, said", [
    (b"\n" * 9_000_000, "The file is empty"),
    (b"a\n" * 4_500_000, "The file has more than 10,000 rows: split it into smaller files"),
    (b"," * 9_000_000, "The file is empty"),
])
def test_megabytes_of_blank_lines_or_cells_are_refused_on_the_form(client, login_as, data, said):
    """Such files kept the server busy for half a minute, with gigabytes of memory, to say the same."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    login_as("coordinator", country="CL")
    # the body as bytes: a file object the test client would spool it to stays open when nobody reads it
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "people.csv"), "country_code": "CL",
                                       "cohort_id": "", "send_invitations": "y"})
    response = client.post("/admin/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400 and said in response.get_data(as_text=True)


def test_an_admin_chooses_the_country_it_is_not_the_first_of_the_list(client, login_as):
    """The country defaulted to the first of the list (Argentina): a list without institutions or regions went
    there without a word. An admin now chooses it; the form says so when nobody did."""
    login_as("admin", country=None)
    page = unescape(client.get("/admin/import").get_data(as_text=True))
    assert re.search(r'<option selected value="">Choose a country</option>', page)
    assert not re.search(r'<option selected value="AR">', page)
    response = upload(client, b"email,full_name,position\nx@example.org,X,manager\n", country_code="")
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert '<a href="#country_code">Choose a country from the list</a>' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0
    # a corrected file keeps the country chosen the first time
    page = unescape(client.get("/admin/import?country=CL").get_data(as_text=True))
    assert re.search(r'<option selected value="CL">', page)
    assert upload(client, b"email,full_name,position\nx@example.org,X,manager\n").status_code == 302


def test_a_form_sent_back_asks_for_the_chosen_file_again(client, login_as, make_cohort):
    """A form sent back for its country or cohort came with the file field empty, and nothing said so: "Check the
    file" then answered "Choose a CSV or Excel file"."""
    login_as("admin", country=None)
    abroad = make_cohort(country="AR")
    again = '<a href="#file">Choose the file again: a browser does not keep it when the form is sent back</a>'
    data = b"email,full_name,position\nx@example.org,X,manager\n"
    for fields in (dict(country_code=""), dict(cohort_id=str(abroad.id))):
        page = unescape(upload(client, data, **fields).get_data(as_text=True))
        assert again in page, fields
    for fields in (dict(country_code="", file=(io.BytesIO(b""), "")),  # no file chosen: nothing to choose again
                   dict(file=(io.BytesIO(b""), "empty.csv"))):  # the file's own problem: said once, as it is
        page = unescape(client.post("/admin/import", data={"cohort_id": "", "country_code": "CL", **fields},
                                    content_type="multipart/form-data").get_data(as_text=True))
        assert again not in page, fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_showing_another_countrys_cohorts_says_the_file_is_to_be_chosen_again_without_calling_it_a_mistake(
        client, login_as, make_cohort):
    """Without JavaScript, the button that shows the cohorts of the country chosen sends the form, and the browser
    does not keep the file chosen: the page says so as a notice, not as an error of the person who asked for it."""
    login_as("admin", country=None, locale="en")
    make_cohort(country="BR", name="Turma Brasil")
    response = upload(client, b"email,full_name,position\nx@example.org,X,manager\n", country_code="BR", refresh="y")
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    assert "There is a problem" not in page and "Error:" not in page and 'class="field-error"' not in page
    assert re.search(r'<div class="banner" role="status"><p>The lists now show the cohorts of the country chosen. '
                     r'Choose the file again: a browser does not keep it when the form is sent back.</p></div>', page)
    assert "Turma Brasil" in page
    page = unescape(upload(client, b"", name="", country_code="BR", refresh="y").get_data(as_text=True))
    assert 'role="status"' not in page and "There is a problem" not in page  # no file chosen: nothing to choose again


def test_a_coordinator_imports_into_their_own_country_without_choosing_it(client, login_as):
    """Their country is the only choice, already made: the list is not marked required, which HTML allows only
    for a list that starts with an empty placeholder (an admin's list does)."""
    login_as("coordinator", country="CL")
    page = unescape(client.get("/admin/import").get_data(as_text=True))
    assert re.search(r'<option selected value="CL">', page) and "Choose a country" not in page
    assert re.search(r'<select [^>]*id="country_code"', page)
    assert not re.search(r'<select [^>]*id="country_code"[^>]* required', page)
    login_as("admin", country=None)
    page = unescape(client.get("/admin/import").get_data(as_text=True))
    assert re.search(r'<select [^>]*id="country_code"[^>]* required><option selected value="">', page)


def test_the_invitations_an_import_did_not_send_are_sent_from_its_page_after_asking(client, login_as, outbox):
    """Imported without invitations, 1,200 people meant 49 pages of Pending invitations with a button each."""
    login_as("coordinator", country="CL")
    lines = "".join(f"p{n}@example.org,Persona {n},manager\n" for n in range(30))
    response = upload(client, ("email,full_name,position\n" + lines).encode(), send_invitations="")
    batch = db.session.scalar(sa.select(ImportBatch))
    page = client.get(response.location).get_data(as_text=True)
    assert "Send 30 invitations" not in page  # not imported yet
    imported = client.post(f"/admin/import/{batch.id}/confirm", follow_redirects=True).get_data(as_text=True)
    assert "30 people imported." in imported and "nvitation" not in imported.split("30 people imported.")[1][:80]
    assert not [m for m in outbox() if "/auth/invitation/" in (m.body or "")]
    page = unescape(client.get(f"/admin/import/{batch.id}").get_data(as_text=True))
    assert "30 people of this import have not been sent an invitation." in page and "Not sent now" in page
    assert f'action="/admin/import/{batch.id}/invitations"' in page and "Send 30 invitations" in page

    asked = unescape(client.post(f"/admin/import/{batch.id}/invitations").get_data(as_text=True))
    assert "<h1>Send invitations to 30 people?</h1>" in asked
    assert not [m for m in outbox() if "/auth/invitation/" in (m.body or "")]  # nothing sent before the answer
    response = client.post(f"/admin/import/{batch.id}/invitations", data={"confirmed": "1"})
    assert response.status_code == 302 and response.location.endswith(f"/admin/import/{batch.id}")
    page = unescape(client.get(response.location).get_data(as_text=True))
    assert "Invitations have been sent to 30 people." in page and "Send 30 invitations" not in page
    assert "Sent after the import" in page and "Not sent now" not in page
    invited = {m.to_address for m in outbox() if "/auth/invitation/" in (m.body or "")}
    assert invited == {f"p{n}@example.org" for n in range(30)}
    # the confirmation sent again (Back, then the button once more) sends nothing more
    response = client.post(f"/admin/import/{batch.id}/invitations", data={"confirmed": "1"}, follow_redirects=True)
    assert "Nobody imported from this file is left to invite." in unescape(response.get_data(as_text=True))
    assert banners(response.get_data(as_text=True)) == [("info", "Nobody imported from this file is left to invite.")]
    assert len([m for m in outbox() if "/auth/invitation/" in (m.body or "")]) == 30


def test_another_countrys_coordinator_cannot_send_an_imports_invitations(client, login_as, make_user):
    from app.imports.services import preview, run_import

    argentine = make_user(roles=("coordinator",), country="AR")
    batch = preview(argentine, filename="a.csv", data=b"email,full_name,position\ny@example.org,Y,manager\n",
                    country_code="AR", send_invitations=False)
    run_import(argentine, batch)
    db.session.commit()
    login_as("coordinator", country="CL")
    assert client.post(f"/admin/import/{batch.id}/invitations", data={"confirmed": "1"}).status_code == 403


def test_a_cohort_moved_to_another_country_after_the_preview_stops_the_import_until_the_file_is_uploaded_again(
        client, login_as, make_cohort):
    """An admin moved the (still empty) cohort chosen to another country while the list waited: the coordinator's
    confirmation ended on an error page (Forbidden), and the preview kept offering the import."""
    login_as("coordinator", country="CL")
    cohort = make_cohort(country="CL", name="Cohorte Biobío 2026")
    upload(client, b"email,full_name,position\nana@example.org,Ana,manager\n", cohort_id=str(cohort.id))
    batch = db.session.scalar(sa.select(ImportBatch))
    cohort.country_code = "AR"
    db.session.commit()
    said = ("The cohort “Cohorte Biobío 2026” chosen for these people now belongs to another country: upload the "
            "file again, to choose another cohort or none.")
    page = unescape(client.get(f"/admin/import/{batch.id}").get_data(as_text=True))
    assert said in page and "Import 1 person" not in page and "ready to import" not in page
    response = client.post(f"/admin/import/{batch.id}/confirm")
    assert response.status_code == 302 and response.location == f"/admin/import/{batch.id}"
    assert said in unescape(client.get(response.location).get_data(as_text=True))
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "ana@example.org")) is None
    assert db.session.get(ImportBatch, batch.id).status.value == "preview"


def test_a_preview_purged_after_a_week_says_so_and_imports_nothing(client, login_as):
    from datetime import timedelta

    from app.db import utcnow
    from app.imports.services import purge_expired

    coordinator = login_as("coordinator", country="CL")
    response = upload(client, b"correo;nombre;cargo\nana@example.org;Ana;jefe\n")
    batch = db.session.scalar(sa.select(ImportBatch))
    batch.created_at = utcnow() - timedelta(days=8)
    purge_expired()
    db.session.commit()
    response = client.get(f"/admin/import/{batch.id}?lang=en")
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 410
    assert not markup_problems(response.get_data(as_text=True), "en")
    assert "This file was uploaded more than 7 days ago and never imported" in page
    assert "ana@example.org" not in page
    as_json = client.get(f"/admin/import/{batch.id}", headers={"Accept": "application/json"})
    assert as_json.status_code == 410 and as_json.is_json  # a client that asks for JSON: no page to read
    response = client.post(f"/admin/import/{batch.id}/confirm?lang=en", follow_redirects=True)
    assert "never imported" in unescape(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1  # the coordinator alone
    assert coordinator.id == batch.created_by_id


def test_an_import_whose_rows_were_purged_keeps_its_record(client, login_as):
    from datetime import timedelta

    from app.db import utcnow
    from app.imports.services import purge_expired

    login_as("coordinator", country="CL")
    upload(client, b"correo;nombre;cargo\nana@example.org;Ana;jefe\nbeto@example.org;Beto;jefe\n",
           send_invitations="")
    batch = db.session.scalar(sa.select(ImportBatch))
    client.post(f"/admin/import/{batch.id}/confirm")
    batch.imported_at = utcnow() - timedelta(days=8)
    purge_expired()
    db.session.commit()
    response = client.get(f"/admin/import/{batch.id}?lang=en")
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert not markup_problems(response.get_data(as_text=True), "en")
    assert "2 people." in page and "The rows of this file are no longer kept" in page
    assert "ana@example.org" not in page
    assert "2 people of this import have not been sent an invitation." in page


def test_a_site_keeping_lists_one_day_says_day_not_days(app, client, login_as):
    from datetime import timedelta

    from app.db import utcnow
    from app.imports.services import purge_expired

    app.config["IMPORT_PREVIEW_DAYS"] = 1
    login_as("coordinator", country="CL")
    upload(client, b"correo;nombre;cargo\nana@example.org;Ana;jefe\n")
    upload(client, b"correo;nombre;cargo\nbeto@example.org;Beto;jefe\n", send_invitations="")
    kept, imported = db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id)).all()
    client.post(f"/admin/import/{imported.id}/confirm")
    kept.created_at = imported.imported_at = utcnow() - timedelta(days=2)
    purge_expired()
    db.session.commit()
    page = unescape(client.get(f"/admin/import/{kept.id}?lang=en").get_data(as_text=True))
    assert "uploaded more than 1 day ago and never imported" in page
    page = unescape(client.get(f"/admin/import/{imported.id}?lang=en").get_data(as_text=True))
    assert "they are deleted 1 day after the import." in page


def test_the_problems_file_is_named_in_the_readers_language_and_keeps_the_uploaded_name(client, login_as,
                                                                                        monkeypatch):
    """The problems file was "...-problems.csv" in every language, and a name beyond ASCII ("lista_año.csv") lost
    its letters ("lista_ao"). The word is translated, the header gives an ASCII name and, when the name is more
    than ASCII, the name itself as RFC 6266 says (filename*)."""
    from app.imports import services

    login_as("coordinator", country="CL", locale="en")
    upload(client, "email;full_name;position\nnot-an-address;Ana;boss\n".encode(), "lista_año (1).csv")
    batch = db.session.scalar(sa.select(ImportBatch))
    download = client.get(f"/admin/import/{batch.id}/problems.csv")
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"lista_ano1-problems.csv\"; filename*=UTF-8''lista_a%C3%B1o1-problems.csv")
    monkeypatch.setattr(services, "PROBLEMS_FILE_WORD", "problèmes graves")  # as a translator might write it
    download = client.get(f"/admin/import/{batch.id}/problems.csv")
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"lista_ano1-problemes-graves.csv\"; "
        "filename*=UTF-8''lista_a%C3%B1o1-probl%C3%A8mes-graves.csv")
    upload(client, b"email;full_name;position\nnot-an-address;Ana;boss\n", "people.csv")
    batch = db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    monkeypatch.setattr(services, "PROBLEMS_FILE_WORD", "problemas")
    download = client.get(f"/admin/import/{batch.id}/problems.csv")
    assert download.headers["Content-Disposition"] == 'attachment; filename="people-problemas.csv"'
