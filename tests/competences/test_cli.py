"""flask competences import / export: problems as file:line lines, never a traceback; exact round trips."""
import pytest
import sqlalchemy as sa

from app.competences import services
from app.competences.models import Framework
from app.extensions import db
from tests.fixtures.competences import SAMPLE


def imported_nothing() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Framework)) == 0


@pytest.mark.parametrize("old, new, expected", [
    ("levels:\n  - number: 1\n", "levels: 5\nold_levels:\n  - number: 1\n", ":7: levels is a list of levels"),
    ("targets: {technician: 3, manager: 2}", "targets: {technician: [3], manager: 2}", "is a level number"),
    ("    area: A\n", "    area: [A]\n", "needs the code of its area"),
    ("slug: demo\n", "slug: demo\n[x]: 3\n", ":2: a key must be a single word or value"),
    ("slug: demo\n", "slug: demo\nvalid_from: 2026-13-01\n", ":2: '2026-13-01' is not a valid date"),
    ("validity_months: 24", "validity_months: 200000", "from 1 to 600"),
    ("version: 1\n", "version: 99999999999999999999\n", ":2: version must be a whole number from 1 to"),
    ("    area: B\n", "    area: B\n    area: A\n", "'area' is given twice"),
])
def test_bad_yaml_is_reported_with_file_and_line(runner, tmp_path, old, new, expected):
    path = tmp_path / "broken.yaml"
    path.write_text(SAMPLE.replace(old, new, 1), encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}" in result.output and expected in result.output and "Traceback" not in result.output
    assert "nothing was imported" in result.output and imported_nothing()


@pytest.mark.parametrize("field", ["alignment:x:code", "alignment:1"])
def test_bad_csv_fields_are_reported_with_their_line(runner, tmp_path, field):
    from app.competences import files

    lines = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).splitlines()
    index = next(i for i, line in enumerate(lines) if ",alignment:1:code," in line)
    lines[index] = lines[index].replace("alignment:1:code", field)
    path = tmp_path / "demo.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 1 and f"{path}:{index + 1}: unknown field {field!r}" in result.output
    assert imported_nothing()


def test_a_latin_1_file_is_not_utf_8_text(runner, tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(SAMPLE.encode("latin-1", errors="replace"))
    result = runner.invoke(args=["competences", "import", str(path)])
    line = SAMPLE.splitlines().index("  es: Marco de demostración") + 1  # the first letter outside ASCII
    assert result.exit_code == 1 and f"{path}:{line}: the file is not UTF-8 text" in result.output
    assert "Traceback" not in result.output and imported_nothing()


def test_a_multi_line_descriptor_edited_in_the_browser_survives_the_csv_round_trip(client, login_as, runner,
                                                                                    tmp_path, sample_framework):
    """Browsers send line breaks as \\r\\n: they are kept as \\n, and CSV export -> import -> export is exact."""
    from tests.fixtures.competences import competence_form

    login_as("trainer", country="ES")
    response = client.post("/competences/demo/competences/B1/edit",
                           data=competence_form(knowledge_en="Knows the EDP.\r\n\r\nAnd the quadruple helix.",
                                                target_technician="", target_manager=""))
    assert response.status_code == 302
    db.session.expire_all()
    assert sample_framework.current.competences[1].knowledge["en"] == "Knows the EDP.\n\nAnd the quadruple helix."
    exported = runner.invoke(args=["competences", "export", "demo", "--format", "csv"]).output
    path = tmp_path / "demo.csv"
    path.write_bytes(("\ufeff" + exported).replace("\n", "\r\n").encode("utf-8"))  # as a spreadsheet saves it
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 0 and "unchanged" in result.output, result.output
    assert runner.invoke(args=["competences", "export", "demo", "--format", "csv"]).output == exported


def test_a_framework_file_among_the_courses_is_named_after_its_slug(runner, tmp_path):
    """Courses find a framework by its file name in courses/_frameworks, so importing one kept there under another
    name would load what no course can find; elsewhere (an export in a download folder) any name will do."""
    folder = tmp_path / "_frameworks"
    folder.mkdir()
    misnamed = folder / "other.yaml"
    misnamed.write_text(SAMPLE, encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(misnamed)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{misnamed}:1: slug 'demo' differs from the file name 'other.yaml'" in result.output
    assert imported_nothing()

    (folder / "demo.yaml").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "demo (1).yaml").write_text(SAMPLE, encoding="utf-8")
    assert runner.invoke(args=["competences", "import", str(folder / "demo.yaml")]).exit_code == 0
    assert runner.invoke(args=["competences", "import", str(tmp_path / "demo (1).yaml")]).exit_code == 0


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_a_control_character_pasted_into_a_form_is_not_kept_and_the_export_imports_again(client, login_as, runner,
                                                                                        tmp_path, sample_framework,
                                                                                        fmt):
    """A text pasted from another program may bring an invisible control character: files hold none, so the form
    drops it too, and what an editor saved exports to a file that imports again, unchanged."""
    from tests.fixtures.competences import competence_form

    login_as("trainer", country="ES")
    response = client.post("/competences/demo/competences/B1/edit", data=competence_form(
        knowledge_en="Knows\x1b the\x7f EDP\x9b.", title_es="Descu\x0cbrimiento", target_technician="",
        target_manager="", **{"alignments-0-framework": "DigComp", "alignments-0-code": "1.2",
                              "alignments-0-name": "Evaluating\x07 data"}))
    assert response.status_code == 302
    db.session.expire_all()
    saved = sample_framework.current.competences[1]
    assert (saved.knowledge["en"], saved.title["es"]) == ("Knows the EDP.", "Descubrimiento")
    assert saved.alignments == [{"framework": "DigComp", "code": "1.2", "name": "Evaluating data"}]
    exported = runner.invoke(args=["competences", "export", "demo", "--format", fmt]).output
    path = tmp_path / f"demo.{fmt}"
    path.write_text(exported, encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 0 and "unchanged" in result.output, result.output


def test_a_file_deep_in_folders_imports_and_keeps_the_end_of_its_path(runner, tmp_path):
    """A version keeps the path of the file it came from in 300 characters (PostgreSQL refused a longer one, and
    the import failed with a traceback): a longer path keeps its end, where the file's name is."""
    folder = tmp_path.joinpath(*["folder-with-a-long-name-" + "x" * 40] * 6)
    folder.mkdir(parents=True)
    path = folder / "demo.yaml"
    path.write_text(SAMPLE, encoding="utf-8")
    assert len(str(path)) > 300
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 0, result.output
    source = services.get_framework("demo").current.source
    assert len(source) == 300 and source.startswith("…") and str(path).endswith(source[1:])


def test_exporting_a_version_that_does_not_exist_names_it(runner, sample_framework):
    for number in ("0", "7"):
        result = runner.invoke(args=["competences", "export", "demo", "--version", number])
        assert result.exit_code == 1 and f"no framework 'demo' version {number}" in result.output, result.output


def test_a_version_that_drops_a_competence_or_a_level_says_whose_evidence_it_leaves_behind(client, login_as, runner,
                                                                                          tmp_path, make_user,
                                                                                          sample_framework):
    """Version 2 drops B1 and level 3: the import says how many people hold evidence of them, and their profile
    still shows it, as version 1 has it (the competence, and the level's name)."""
    from app.competences.models import ValidatedLevel

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    coordinator = make_user(roles=("coordinator",), country="CL")
    dropped_code, dropped_level, untouched = (make_user(("trainee",), country="CL") for _ in range(3))
    for person, code, level in ((dropped_code, "B1", 1), (dropped_level, "A1", 3), (untouched, "A1", 1)):
        services.validate_level(coordinator, person, sample_framework, code, level)
    services.withdraw_validation(coordinator, services.validate_level(coordinator, untouched, sample_framework,
                                                                      "B1", 2))  # withdrawn: counts for nothing
    db.session.commit()
    version_2 = SAMPLE.replace("version: 1", "version: 2")
    version_2 = version_2[:version_2.index("  - number: 3")] + version_2[version_2.index("areas:"):]
    version_2 = version_2[:version_2.index("  - code: B1")].replace("technician: 3", "technician: 2")
    path = tmp_path / "demo.yaml"
    path.write_text(version_2, encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "demo version 2: new version (1 competence, 2 levels)" in result.output
    assert "warning: 2 people hold evidence of competences or levels this version removes" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValidatedLevel)) == 4
    login_as(dropped_code)
    page = client.get("/auth/account/competences?lang=en").get_data(as_text=True)
    assert "/competences/demo/B1?version=1" in page and "No longer in the framework (version 1 had it)" in page
    assert "1. Foundation" in page
    login_as(dropped_level)
    page = client.get("/auth/account/competences?lang=en").get_data(as_text=True)
    assert "3. Advanced" in page and "No longer in the framework" not in page
    result = runner.invoke(args=["competences", "import", str(path)])  # unchanged: nothing to warn about
    assert "unchanged" in result.output and "warning" not in result.output


def test_a_file_imported_while_an_editor_saves_leaves_one_current_version(app, make_user, tmp_path, sample_framework):
    """The import has read the framework (version 1 current) when an editor's save of the used version lands as
    version 2; the import then writes version 3: version 2 stops being current too, not two versions current."""
    import threading

    from tests.fixtures.competences import competence_form
    from tests.fixtures.concurrency import run_threads, signed_in_client
    from tests.fixtures.factories import session_id

    services.record_use(sample_framework.current, "course", "pilot@1")
    db.session.commit()
    path = tmp_path / "demo.yaml"
    path.write_text(SAMPLE.replace("version: 1", "version: 3"), encoding="utf-8")
    client = signed_in_client(app, session_id(make_user(roles=("trainer",))))
    saved, real, results = threading.Event(), services.import_framework, {}

    def after_the_save(*args, **kwargs):
        saved.wait(10)
        return real(*args, **kwargs)

    def edit():
        results["edit"] = client.post("/competences/demo/competences/A1/edit",
                                      data=competence_form(knowledge_en="Mine")).status_code
        saved.set()

    def load():
        results["import"] = app.test_cli_runner().invoke(args=["competences", "import", str(path)]).output

    services.import_framework = after_the_save
    try:
        run_threads([threading.Thread(target=load), threading.Thread(target=edit)])
    finally:
        services.import_framework = real
    db.session.expire_all()
    versions = db.session.scalars(sa.select(services.FrameworkVersion).order_by(services.FrameworkVersion.number))
    assert [(v.number, v.is_current) for v in versions] == [(1, False), (2, False), (3, True)], results
    assert results["edit"] == 302 and "demo version 3: new version" in results["import"]



def test_the_import_counts_in_words_that_agree_with_the_numbers(runner, tmp_path):
    one_level = SAMPLE[:SAMPLE.index("  - number: 2")] + SAMPLE[SAMPLE.index("areas:"):]
    one_level = one_level.replace("technician: 3", "technician: 1").replace("manager: 2", "manager: 1")
    path = tmp_path / "demo.yaml"
    path.write_text(one_level, encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    assert "demo version 1: created (2 competences, 1 level)" in result.output, result.output
    path.write_text(SAMPLE.replace("version: 1", "version: 2").replace("    area: A\n", "    area: Z\n", 1),
                    encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 1 and "Error: 1 problem: nothing was imported" in result.output, result.output


def test_a_dry_run_says_what_the_import_would_do_and_imports_nothing(runner, tmp_path):
    """An author checks a framework file against what Itinera holds (a number taken, a version changed under
    its number) before loading it: everything the import checks, nothing kept."""
    path = tmp_path / "demo.yaml"
    path.write_text(SAMPLE, encoding="utf-8")
    result = runner.invoke(args=["competences", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "demo version 1: would be created (2 competences, 3 levels); dry run: nothing was imported" \
        in result.output
    assert imported_nothing()
    assert runner.invoke(args=["competences", "import", str(path)]).exit_code == 0
    path.write_text(SAMPLE.replace("Knows indicators", "Knows more indicators"), encoding="utf-8")
    result = runner.invoke(args=["competences", "import", "--dry-run", str(path)])
    assert result.exit_code == 1 and "version 1 of demo is already loaded with different content" in result.output
    path.write_text(SAMPLE.replace("version: 1", "version: 2"), encoding="utf-8")
    result = runner.invoke(args=["competences", "import", "--dry-run", str(path)])
    assert result.exit_code == 0 and "demo version 2: would be a new version" in result.output, result.output
    db.session.expire_all()
    assert [v.number for v in services.get_framework("demo").versions] == [1]


def test_a_file_that_leaves_out_edits_made_in_itinera_is_warned_of(runner, tmp_path, make_user):
    """Version 1 came from the file and a course is built on it, so a trainer's edit of level 1 made version 2.
    The author raises their own copy of the file to 3, with a change of their own: loading it would make version
    3 current without the trainer's edit. The import still loads it (the file is the author's decision) but
    says which edits it leaves out and how to keep them; a file that keeps them is not warned of."""
    path = tmp_path / "demo.yaml"
    path.write_text(SAMPLE, encoding="utf-8")
    assert runner.invoke(args=["competences", "import", str(path)]).exit_code == 0
    framework = services.get_framework("demo")
    services.record_use(framework.current, "course", "pilot@1")
    services.edit_level(make_user(roles=("trainer",)), framework, 1, {"en": "Beginner", "es": "Inicial",
                        "pt_BR": "Inicial"}, framework.current.levels[0].descriptor)
    db.session.commit()
    path.write_text(SAMPLE.replace("version: 1", "version: 3").replace("Knows indicators", "Knows more"),
                    encoding="utf-8")
    result = runner.invoke(args=["competences", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert ("warning: this file leaves out what was changed in Itinera after version 1: level 1; to keep it, "
            "start from flask --app wsgi competences export demo") in result.output
    from app.competences import files

    kept = files.write_yaml(services.data_of(services.get_framework("demo").current))
    path.write_text(kept.replace("version: 2", "version: 3").replace("Knows indicators", "Knows more"),
                    encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_a_file_that_brings_back_what_was_removed_in_itinera_is_warned_of(runner, tmp_path, make_user):
    """B1 removed and B2 added in the browser (a course is built on version 1, so version 2): the author's file,
    raised to 3, still has B1 and lacks B2. Both are said, the removal as such."""
    from tests.fixtures.competences import texts

    path = tmp_path / "demo.yaml"
    path.write_text(SAMPLE, encoding="utf-8")
    assert runner.invoke(args=["competences", "import", str(path)]).exit_code == 0
    framework = services.get_framework("demo")
    services.record_use(framework.current, "course", "pilot@1")
    trainer = make_user(roles=("trainer",))
    services.add_competence(trainer, framework, "B", "B2",
                            {name: texts(name) for name in ("title", "knowledge", "skills", "attitudes")})
    services.remove_competence(trainer, framework, "B1")
    db.session.commit()
    path.write_text(SAMPLE.replace("version: 1", "version: 3"), encoding="utf-8")
    result = runner.invoke(args=["competences", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert ("warning: this file leaves out what was changed in Itinera after version 1: competence B2, "
            "competence B1 (removed); to keep it") in result.output


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_file_that_drops_a_competence_a_published_course_develops_is_refused(runner, tmp_path, synced_course,
                                                                              make_user, dry_run):
    """The pilot course, published, develops A1: the browser refuses to remove it (services.removal_problem), and
    so does a newer file without it, at the line of the area it would be in, naming the course; nothing
    changes. Withdrawn from the catalogue, the course no longer stops it."""
    from app.courses.services import set_published

    version_2 = SAMPLE.replace("version: 1", "version: 2")
    version_2 = version_2[:version_2.index("  - code: A1")] + version_2[version_2.index("  - code: B1"):]
    path = tmp_path / "demo.yaml"
    path.write_text(version_2, encoding="utf-8")
    result = runner.invoke(args=["competences", "import", *(["--dry-run"] if dry_run else []), str(path)])
    assert result.exit_code == 1, result.output
    line = SAMPLE.splitlines().index("  - code: A") + 1
    assert (f"{path}:{line}: version 2 leaves out competence A1, which published courses develop: Pilot course "
            f"(pilot); keep it in the file, or remove it from their modules first, or withdraw them from the "
            f"catalogue") in result.output
    assert "nothing was imported" in result.output and "Traceback" not in result.output
    framework = services.get_framework("demo")
    assert [v.number for v in framework.versions] == [1] and framework.current.number == 1
    # the whole area gone: the framework's line
    no_area = version_2.replace("  - code: A\n    title: {en: Evidence, es: Evidencia, pt_BR: Evidências}\n", "")
    path.write_text(no_area, encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 1 and f"{path}:1: version 2 leaves out competence A1" in result.output
    set_published(make_user(roles=("trainer",)), synced_course, False)
    db.session.commit()
    path.write_text(version_2, encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 0 and "demo version 2: new version (1 competence" in result.output, result.output


def test_a_csv_file_that_drops_a_developed_competence_names_the_area_row(runner, tmp_path, synced_course):
    from app.competences import files

    data = files.read_yaml(SAMPLE.replace("version: 1", "version: 2"), "demo.yaml")
    data.competences = [c for c in data.competences if c["code"] != "A1"]
    lines = files.write_csv(data).splitlines()
    path = tmp_path / "demo.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    line = next(i for i, row in enumerate(lines) if row.startswith("area,A,")) + 1
    assert result.exit_code == 1 and f"{path}:{line}: version 2 leaves out competence A1" in result.output, \
        result.output
