"""Framework files: every problem with file and line, nothing changed; exports round-trip exactly."""
import pytest
import sqlalchemy as sa

from app.auth.services import SYSTEM
from app.competences import files, services
from app.competences.models import Framework
from app.extensions import db
from tests.fixtures.competences import SAMPLE


def problems_of(text: str) -> list[str]:
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_yaml(text, "broken.yaml")
    return [str(p) for p in error.value.problems]


def test_sample_reads(app):
    data = files.read_yaml(SAMPLE, "demo.yaml")
    assert (data.slug, data.version, len(data.levels), len(data.areas), len(data.competences)) == ("demo", 1, 3, 2, 2)
    assert data.competences[0]["alignments"] == [{"framework": "DigComp", "code": "1.2", "name": "Evaluating data"}]


def test_unknown_area_is_reported_with_its_line():
    text = SAMPLE.replace("    area: B\n", "    area: Z\n")
    line = text.splitlines().index("    area: Z") + 1
    assert problems_of(text) == [f"broken.yaml:{line}: competence B1 names an unknown area 'Z'"]


def test_duplicate_code():
    text = SAMPLE.replace("  - code: B1\n", "  - code: A1\n")
    line = text.splitlines().index("  - code: A1", text.splitlines().index("competences:") + 2) + 1
    [problem] = problems_of(text)
    assert problem == f"broken.yaml:{line}: competence A1 is defined twice"


def test_level_outside_the_scale():
    text = SAMPLE.replace("targets: {technician: 3, manager: 2}", "targets: {technician: 4, manager: 2}")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "technician: 4" in l)
    assert problems_of(text) == [f"broken.yaml:{line}: target level 4 of competence A1 is outside the scale (1-3)"]


def test_missing_locale():
    text = SAMPLE.replace("skills: {en: Runs workshops, es: Conduce talleres, pt_BR: Conduz oficinas}",
                          "skills: {en: Runs workshops, es: Conduce talleres}")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "Runs workshops" in l)
    assert problems_of(text) == [f"broken.yaml:{line}: competence B1 skills is missing its pt_BR text"]


def test_several_problems_are_all_listed():
    text = SAMPLE.replace("    area: B\n", "    area: Z\n").replace("  - number: 3\n", "  - number: 2\n")
    assert len(problems_of(text)) >= 2


def test_malformed_yaml():
    [problem] = problems_of("slug: demo\nversion: [1\n")
    assert problem.startswith("broken.yaml:") and "malformed YAML" in problem


def test_import_with_problems_changes_nothing(runner, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(SAMPLE.replace("    area: B\n", "    area: Z\n"), encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(broken)])
    assert result.exit_code == 1
    assert "broken.yaml:" in result.output and "names an unknown area" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Framework)) == 0


def test_yaml_round_trip_is_exact(app, runner, tmp_path):
    source = tmp_path / "demo.yaml"
    source.write_text(SAMPLE, encoding="utf-8")
    assert runner.invoke(args=["competences", "import", str(source)]).exit_code == 0
    exported = runner.invoke(args=["competences", "export", "demo"]).output
    assert files.read_yaml(exported, "x") == files.read_yaml(SAMPLE, "x")
    # importing the export again is recognised as the same version
    again = tmp_path / "again.yaml"
    again.write_text(exported, encoding="utf-8")
    assert "unchanged" in runner.invoke(args=["competences", "import", str(again)]).output
    assert runner.invoke(args=["competences", "export", "demo"]).output == exported


def test_csv_round_trip_is_exact(app, runner, tmp_path):
    data = files.read_yaml(SAMPLE, "demo.yaml")
    as_csv = files.write_csv(data)
    assert files.read_csv(as_csv, "demo.csv") == data
    assert files.write_csv(files.read_csv(as_csv, "demo.csv")) == as_csv
    path = tmp_path / "demo.csv"
    path.write_text(as_csv, encoding="utf-8")
    assert runner.invoke(args=["competences", "import", str(path)]).exit_code == 0
    assert runner.invoke(args=["competences", "export", "demo", "--format", "csv"]).output == as_csv


def test_csv_problems_have_csv_lines():
    data = files.read_yaml(SAMPLE, "demo.yaml")
    lines = files.write_csv(data).splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("competence,B1,B,title"))
    lines[index] = lines[index].replace("competence,B1,B,title", "competence,B1,Z,title")
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    assert any(str(p).startswith(f"demo.csv:{index + 1}:") for p in error.value.problems)


def test_changed_content_under_the_same_version_is_refused(app):
    services.import_framework(SYSTEM, files.read_yaml(SAMPLE, "demo.yaml"))
    changed = files.read_yaml(SAMPLE.replace("Knows indicators", "Knows more indicators"), "demo.yaml")
    with pytest.raises(files.FrameworkFileError) as error:
        services.import_framework(SYSTEM, changed)
    assert "new version number" in str(error.value)
    newer = files.read_yaml(SAMPLE.replace("Knows indicators", "Knows more indicators")
                            .replace("version: 1", "version: 2"), "demo.yaml")
    version, outcome = services.import_framework(SYSTEM, newer)
    assert (version.number, outcome, version.is_current) == (2, "new version", True)
