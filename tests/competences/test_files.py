"""Framework files: every problem with file and line, nothing changed; exports round-trip exactly."""
import pytest
import sqlalchemy as sa

from app.auth.services import SYSTEM
from app.competences import files, services
from app.competences.models import Framework
from app.competences.vocabulary import ALIGNMENT_CODES
from app.extensions import db
from tests.fixtures.competences import SAMPLE, SOURCES


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


@pytest.mark.parametrize("code", ["edit", "History", "EDIT"])
def test_a_competence_code_that_names_a_page_of_the_framework_is_refused_as_the_browser_refuses_it(code):
    # its IRI, BASE/competences/<framework>/<code>, would be the address of that page (its title form, its history)
    text = SAMPLE.replace("  - code: B1\n", f"  - code: {code}\n").replace("competence B1", f"competence {code}")
    line = text.splitlines().index(f"  - code: {code}") + 1
    found = problems_of(text)
    assert any(p.startswith(f"broken.yaml:{line}: ") and f"{code!r} is the address of a page of the framework" in p
               for p in found), found


def test_a_competence_code_that_names_a_page_is_refused_in_csv_too():
    data = files.read_yaml(SAMPLE, "demo.yaml")
    lines = files.write_csv(data).splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("competence,B1,B,title"))
    text = "\n".join(line.replace(",B1,", ",edit,") for line in lines) + "\n"
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv(text, "demo.csv")
    assert any(str(p).startswith(f"demo.csv:{index + 1}:") and "page of the framework" in str(p)
               for p in error.value.problems), error.value.problems


def test_codes_that_differ_only_in_case_are_defined_twice():
    """A1 and a1 would be two competences with addresses that differ only in a capital: a typing slip, not a
    second competence. The same for areas."""
    text = SAMPLE.replace("  - code: B1\n", "  - code: a1\n")
    lines = text.splitlines()
    first = lines.index("  - code: A1") + 1
    line = lines.index("  - code: a1") + 1
    assert problems_of(text) == [f"broken.yaml:{line}: competence a1 is defined twice: it differs from A1 "
                                 f"(line {first}) only in capital letters"]
    text = SAMPLE.replace("  - code: B\n", "  - code: a\n").replace("    area: B\n", "    area: a\n")
    lines = text.splitlines()
    assert problems_of(text) == [f"broken.yaml:{lines.index('  - code: a') + 1}: area a is defined twice: it "
                                 f"differs from A (line {lines.index('  - code: A') + 1}) only in capital letters"]


def test_a_code_with_spaces_around_it_says_so():
    text = SAMPLE.replace("  - code: B1\n", '  - code: " B1"\n')
    line = text.splitlines().index('  - code: " B1"') + 1
    assert problems_of(text) == [f"broken.yaml:{line}: the code ' B1' has spaces around it: write B1"]
    csv_text = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).replace("area,A,,title", "area,A ,,title")
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv(csv_text, "demo.csv")
    assert "demo.csv:" in str(error.value) and "the code 'A ' has spaces around it: write A" in str(error.value)


@pytest.mark.parametrize("code", ["Á1", "A1-regional-diagnosis", "A 1", "-A1"])
def test_a_code_of_other_characters_or_too_long_says_which_and_what_a_code_may_hold(code):
    """"needs a code of letters and digits" told the author of Á1 or of a 21-character code nothing they could
    act on: the problem names the code and what a code is."""
    text = SAMPLE.replace("  - code: B1\n", f'  - code: "{code}"\n')
    line = text.splitlines().index(f'  - code: "{code}"') + 1
    assert problems_of(text) == [f"broken.yaml:{line}: the code {code!r} is not a code: a competence's code is "
                                 f"up to 20 letters A-Z, digits, hyphens and underscores, starting with a letter or a "
                                 f"digit, such as B1"]


def test_level_outside_the_scale():
    text = SAMPLE.replace("targets: {technician: 3, manager: 2}", "targets: {technician: 4, manager: 2}")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "technician: 4" in l)
    assert problems_of(text) == [f"broken.yaml:{line}: target level 4 of competence A1 is outside the scale (1-3)"]


def test_missing_locale():
    text = SAMPLE.replace("skills: {en: Runs workshops, es: Conduce talleres, pt_BR: Conduz oficinas}",
                          "skills: {en: Runs workshops, es: Conduce talleres}")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "Runs workshops" in l)
    assert problems_of(text) == [f"broken.yaml:{line}: competence B1 skills is missing its pt_BR text"]


@pytest.mark.parametrize("written", ['"\\u200b"', '"…"', '"\\u3164"'])
def test_a_text_no_letter_of_which_shows_is_refused_as_the_edit_forms_refuse_it(written):
    """A zero-width space, punctuation alone or a Hangul filler would be shown as a blank skills text."""
    text = SAMPLE.replace("pt_BR: Conduz oficinas}", f"pt_BR: {written}}}")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "Runs workshops" in l)
    assert problems_of(text) == [f"broken.yaml:{line}: competence B1 skills has no letter or digit that shows in its "
                                 f"pt_BR text"]


def test_several_problems_are_all_listed():
    text = SAMPLE.replace("    area: B\n", "    area: Z\n").replace("  - number: 3\n", "  - number: 2\n")
    assert len(problems_of(text)) >= 2


def test_problems_are_listed_in_the_order_of_their_lines():
    """An unknown key was told before the area above it, and a CSV's problems sorted by line while a YAML's
    were not: the author reads the list from the top of the file down."""
    text = SAMPLE.replace("    area: B\n", "    area: Z\n").replace(
        "    attitudes: {en: Inclusive, es: Inclusivo, pt_BR: Inclusivo}\n",
        "    attitudes: {en: Inclusive, es: Inclusivo, pt_BR: Inclusivo}\n    notes: x\n")
    assert problems_of(text) == [f"broken.yaml:{line_of(text, '    area: Z')}: competence B1 names an unknown area 'Z'",
                                 f"broken.yaml:{line_of(text, '    notes: x')}: unknown key 'notes'"]


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


def test_a_file_numbered_as_a_version_made_in_the_browser_says_where_that_version_came_from(app, make_user):
    """Version 2 was made by an edit in Itinera (version 1 was in use); the author, unaware, raises their file to
    version 2: the refusal says so, and what number to give instead."""
    services.import_framework(SYSTEM, files.read_yaml(SAMPLE, "demo.yaml"))
    framework = services.get_framework("demo")
    services.record_use(framework.current, "course", "pilot@1")
    services.edit_level(make_user(roles=("trainer",)), framework, 1, {"en": "Beginner", "es": "Inicial",
                        "pt_BR": "Inicial"}, framework.current.levels[0].descriptor)
    assert framework.current.number == 2 and framework.current.edited_from == 1
    changed = files.read_yaml(SAMPLE.replace("version: 1", "version: 2").replace("Knows indicators", "Knows more"),
                              "demo.yaml")
    with pytest.raises(files.FrameworkFileError) as error:
        services.import_framework(SYSTEM, changed, source="demo.yaml")
    [problem] = error.value.problems
    assert problem.line == line_of(SAMPLE, "version: 1") and "version 2 of demo was made in Itinera by an edit of " \
        "version 1" in problem.message and "number this file 3" in problem.message
    assert "flask --app wsgi competences export demo" in problem.message


def test_a_file_whose_version_was_edited_in_place_says_it_may_be_the_edit(app, make_user):
    """Nothing was built on version 1 yet, so a trainer's edit changed it in place; the unchanged file, imported
    again, differs from it: the refusal must not tell the author that their file changed, and says what to do."""
    services.import_framework(SYSTEM, files.read_yaml(SAMPLE, "demo.yaml"), source="demo.yaml")
    framework = services.get_framework("demo")
    services.edit_level(make_user(roles=("trainer",)), framework, 1, {"en": "Beginner", "es": "Inicial",
                        "pt_BR": "Inicial"}, framework.current.levels[0].descriptor)
    assert framework.current.number == 1
    with pytest.raises(files.FrameworkFileError) as error:
        services.import_framework(SYSTEM, files.read_yaml(SAMPLE, "demo.yaml"), source="demo.yaml")
    [problem] = error.value.problems
    assert problem.line == line_of(SAMPLE, "version: 1")
    assert "or the version was edited in Itinera since it was loaded" in problem.message
    assert "number this file 2" in problem.message
    assert "flask --app wsgi competences export demo" in problem.message


def test_changed_content_under_the_same_version_is_refused(app):
    services.import_framework(SYSTEM, files.read_yaml(SAMPLE, "demo.yaml"))
    changed = files.read_yaml(SAMPLE.replace("Knows indicators", "Knows more indicators"), "demo.yaml")
    with pytest.raises(files.FrameworkFileError) as error:
        services.import_framework(SYSTEM, changed)
    [problem] = error.value.problems
    assert "number this file 2" in problem.message and problem.line == line_of(SAMPLE, "version: 1")
    newer = files.read_yaml(SAMPLE.replace("Knows indicators", "Knows more indicators")
                            .replace("version: 1", "version: 2"), "demo.yaml")
    version, outcome = services.import_framework(SYSTEM, newer)
    assert (version.number, outcome, version.is_current) == (2, "new version", True)
    services.import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("version: 1", "version: 5"), "demo.yaml"))
    with pytest.raises(files.FrameworkFileError) as error:  # a version older than the newest loaded
        services.import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("version: 1", "\nversion: 4"), "old.yaml"),
                                  source="old.yaml")
    assert [str(p) for p in error.value.problems] == [
        f"old.yaml:{line_of(SAMPLE, 'version: 1') + 1}: version 4 of demo is older than version 5, the newest "
        f"loaded: number this file 6, or start from what Itinera has (flask --app wsgi competences export demo)"]


# --- bad input is a problem with its line, never a traceback -------------------------------------------

def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize("old, new, fragment, message", [
    ("levels:\n  - number: 1\n", "levels: 5\nold_levels:\n  - number: 1\n", "levels: 5", "levels is a list"),
    ("targets: {technician: 3, manager: 2}", "targets: {technician: [3], manager: 2}", "technician: [3]",
     "the target level of competence A1 for technician is a level number"),
    ("    area: A\n", "    area: [A]\n", "area: [A]", "competence A1 needs the code of its area"),
    ("slug: demo\n", "slug: demo\n[x]: 3\n", "[x]: 3", "a key must be a single word or value"),
    ("slug: demo\n", "slug: demo\nvalid_from: 2026-13-01\n", "valid_from", "'2026-13-01' is not a valid date"),
    ("validity_months: 24", "validity_months: 200000", "validity_months", "from 1 to 600"),
    ("validity_months: 24", "validity_months: 0", "validity_months", "from 1 to 600"),
])
def test_bad_values_are_problems_with_their_line(old, new, fragment, message):
    text = SAMPLE.replace(old, new, 1)
    found = problems_of(text)
    assert any(p.startswith(f"broken.yaml:{line_of(text, fragment)}: ") and message in p for p in found), found


def test_a_gap_in_the_scale_is_named_as_such():
    text = SAMPLE.replace("  - number: 3\n", "  - number: 5\n").replace("technician: 3", "technician: 4")
    found = problems_of(text)
    assert f"broken.yaml:{line_of(text, 'technician: 4')}: target level 4 of competence A1 is not a level of the " \
           f"scale (1, 2, 5)" in found
    assert not any("outside the scale" in p for p in found)


def test_a_broken_framework_file_is_a_problem_of_the_course_tree(tmp_path):
    """courses validate reads frameworks through read_yaml: a date YAML cannot build is a problem, not a crash."""
    from app.courses.loader import load_tree
    from tests.fixtures.courses import build_tree

    root = build_tree(tmp_path / "courses", framework=SAMPLE.replace("slug: demo\n", "slug: demo\nvalid_from: "
                                                                                       "2026-13-01\n"))
    problems = [str(p) for p in load_tree(root).problems]
    assert any(p.startswith("_frameworks/demo.yaml:2: '2026-13-01' is not a valid date") for p in problems), problems


@pytest.mark.parametrize("field, message", [
    ("alignment:x:code", "unknown field 'alignment:x:code'"),
    ("alignment:1", "unknown field 'alignment:1'"),
    ("alignment:1:colour", "unknown field 'alignment:1:colour'"),
])
def test_malformed_csv_alignment_fields(field, message):
    lines = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).splitlines()
    index = next(i for i, line in enumerate(lines) if ",alignment:1:code," in line)
    lines[index] = lines[index].replace("alignment:1:code", field)
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    assert [str(p) for p in error.value.problems if message in str(p)] == [
        f"demo.csv:{index + 1}: {message}: an alignment's field is alignment:NUMBER:KEY, KEY one of framework, code, "
        f"uri, name"]


def test_an_alignment_number_out_of_order_is_one_message():
    lines = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).splitlines()
    index = next(i for i, line in enumerate(lines) if ",alignment:1:name," in line) + 1
    lines.insert(index, "competence,A1,A,alignment:4:code,,,,1.3")
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    assert [str(p) for p in error.value.problems] == [
        f"demo.csv:{index + 1}: alignment 4 of competence A1 comes before alignment 2: number alignments 1, 2, 3... "
        f"in order"]


def test_a_csv_line_with_too_many_columns():
    lines = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).splitlines()
    lines[3] += ",extra"
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    assert "demo.csv:4: this line has more than the 8 columns" in [str(p) for p in error.value.problems]



def test_a_problem_after_blank_lines_is_reported_on_its_own_line():
    """Blank lines are skipped; the lines after them keep their numbers, as an editor shows them."""
    lines = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("competence,B1,B,title"))
    lines[index] = lines[index].replace("competence,B1,B,title", "competence,B1,Z,title")
    lines[index:index] = ["", ""]
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    assert [p.line for p in error.value.problems if "unknown area 'Z'" in p.message] == [index + 3]


def test_a_row_of_empty_cells_a_spreadsheet_leaves_is_skipped_as_a_blank_line_is():
    """A row whose contents were cleared in a spreadsheet is saved as commas only: it is read as the blank line
    it is (not as a record named ''), and the rows after it keep their lines."""
    data = files.read_yaml(SAMPLE, "demo.yaml")
    lines = files.write_csv(data).splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("competence,B1,B,title"))
    lines[index:index] = [",,,,,,,", ",,,,,,,,,,", ",,,"]
    assert files.read_csv("\r\n".join(lines) + "\r\n", "demo.csv") == data
    lines[index + 3] = lines[index + 3].replace("competence,B1,B,title", "competence,B1,Z,title")
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    assert [str(p) for p in error.value.problems][0] == f"demo.csv:{index + 4}: competence B1 names an unknown area 'Z'"

# --- alignments: a controlled vocabulary ----------------------------------------------------------------

ALIGNMENT = '''      - framework: DigComp
        code: "1.2"
        name: Evaluating data
'''
ESCO_URI = "http://data.europa.eu/esco/skill/0a0b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d"


def with_alignment(block: str) -> str:
    assert ALIGNMENT in SAMPLE
    return SAMPLE.replace(ALIGNMENT, block)


@pytest.mark.parametrize("block", [
    '      - framework: DigComp\n        code: "5.4"\n',
    '      - framework: EntreComp\n        code: "3.5"\n',
    '      - framework: GreenComp\n        code: "4.3"\n',
    '      - framework: OECD-OPSI\n        code: insurgency\n        name: Insurgency\n',
    f'      - framework: ESCO\n        uri: {ESCO_URI}\n        name: Some skill\n',
])
def test_alignments_of_the_vocabulary_are_accepted(block):
    files.read_yaml(with_alignment(block), "demo.yaml")


@pytest.mark.parametrize("block, message", [
    ('      - framework: DigiComp\n        code: "1.2"\n', "unknown framework 'DigiComp' in an alignment: use one of "
                                                          "ESCO, DigComp, EntreComp, GreenComp, OECD-OPSI"),
    ('      - framework: DigComp\n        code: "1.7"\n', "'1.7' is not a DigComp code (the codes are 1.1, 1.2, 1.3, "
                                                          "2.1,"),
    ('      - framework: DigComp\n        code: "2.7"\n', "'2.7' is not a DigComp code"),
    ('      - framework: EntreComp\n        code: "3.6"\n', "'3.6' is not a EntreComp code"),
    ('      - framework: GreenComp\n        code: "4.4"\n', "'4.4' is not a GreenComp code"),
    ('      - framework: OECD-OPSI\n        code: creativity\n', "'creativity' is not a OECD-OPSI code"),
    ("      - framework: EntreComp\n        code: 1.10\n", "the alignment code 1.1 is read as a number, not text: put "
                                                          "it in quotes"),
    ("      - framework: DigComp\n", "a DigComp alignment needs a code, such as '1.1'"),
    ("      - framework: ESCO\n        uri: http://data.europa.eu/esco/skill/abc\n", "an ESCO alignment needs the "
                                                                                       "skill's uri"),
    (f'      - framework: ESCO\n        uri: {ESCO_URI}\n        code: "1.1"\n', "by uri, not by code"),
    ('      - framework: DigComp\n        code: "1.2"\n        uri: ftp://x\n', "an alignment uri is an http(s) "
                                                                                  "address"),
    ('      - framework: DigComp\n        code: "1.2"\n        level: 3\n', "unknown key 'level' in an alignment"),
    ("      - framework: [DigComp]\n", "unknown framework ['DigComp'] in an alignment: use one of ESCO"),
    ("      - code: \"1.2\"\n", "an alignment names its framework: one of ESCO, DigComp"),
    ("      - framework: DigComp\n        code: [\"1.2\"]\n", "the alignment code must be text"),
])
def test_alignment_problems_have_their_line(block, message):
    text = with_alignment(block)
    start = line_of(text, "alignments:")
    found = problems_of(text)
    assert len(found) == 1 and message in found[0], found
    assert start < int(found[0].split(":")[1]) <= start + 3


def distinct_alignments(count: int) -> str:
    pairs = [(framework, code) for framework, codes in ALIGNMENT_CODES.items() for code in codes]
    assert len(pairs) >= count
    return "".join(f'      - framework: {framework}\n        code: "{code}"\n' for framework, code in pairs[:count])


def test_a_competence_takes_a_bounded_number_of_alignments():
    from app.competences.vocabulary import MAX_ALIGNMENTS

    files.read_yaml(with_alignment(distinct_alignments(MAX_ALIGNMENTS - 1)), "demo.yaml")
    text = with_alignment(distinct_alignments(MAX_ALIGNMENTS + 5))
    found = problems_of(text)
    assert len(found) == 1 and f"a competence takes at most {MAX_ALIGNMENTS} alignments" in found[0], found
    assert int(found[0].split(":")[1]) == line_of(text, "alignments:") + 1 + 2 * MAX_ALIGNMENTS


@pytest.mark.parametrize("second, message", [
    ('      - framework: DigComp\n        code: "1.2"\n        name: Evaluating information\n',
     "the DigComp alignment '1.2' is given twice: keep one"),
    (f"      - framework: ESCO\n        uri: {ESCO_URI}\n",
     f"the ESCO alignment '{ESCO_URI}' is given twice: keep one"),
])
def test_an_alignment_given_twice_is_reported_at_the_second(second, message):
    first = ALIGNMENT if "DigComp" in second else f"      - framework: ESCO\n        uri: {ESCO_URI}\n"
    text = with_alignment(first + second)
    [problem] = problems_of(text)
    code_or_uri = line_of(text, "alignments:") + 1 + first.count("\n") + 1  # the second's line naming it
    assert problem.split(":", 2)[1] == str(code_or_uri) and message in problem


def test_the_shipped_framework_uses_only_the_vocabulary():
    from pathlib import Path

    data = files.read_yaml(Path(__file__).parents[2].joinpath("courses", "_frameworks", "s3.yaml").read_text(encoding="utf-8"), "s3.yaml")
    used = {(a["framework"], a["code"]) for c in data.competences for a in c.get("alignments", [])}
    assert ("OECD-OPSI", "data-literacy") in used and all(code in ALIGNMENT_CODES[f] for f, code in used)


# --- sources ------------------------------------------------------------------------------------------

def test_sources_are_read_and_round_trip():
    data = files.read_yaml(SAMPLE + SOURCES, "demo.yaml")
    assert data.sources[0] == {"authors": "Foray, Goddard", "year": 2012, "title": "Guide to Research and Innovation "
                               "Strategies for Smart Specialisations (RIS 3)", "doi": "10.2776/65746"}
    assert data.sources[1]["language"] == "pt-BR"  # the language of the work, for its lang attribute
    assert files.read_yaml(files.write_yaml(data), "x") == data
    as_csv = files.write_csv(data)
    assert "source,1,,doi,,,,10.2776/65746" in as_csv.splitlines()
    assert files.read_csv(as_csv, "demo.csv") == data and files.write_csv(files.read_csv(as_csv, "x")) == as_csv


@pytest.mark.parametrize("old, new, message", [
    ("doi: 10.2776/65746", "doi: https://doi.org/10.2776/65746", "is not a DOI"),
    ("year: 2012", "year: twenty", "a source's year is a year"),
    ("  - title: A page\n", "  - name: A page\n", "unknown key 'name' in a source"),
    ("url: https://example.org/page", "url: example.org", "a source's url is an http(s) address"),
    ("language: pt-BR", "language: Portuguese", "a source's language is a language tag"),
])
def test_source_problems(old, new, message):
    text = SAMPLE + SOURCES.replace(old, new)
    found = problems_of(text)
    assert any(message in p and p.startswith(f"broken.yaml:{line_of(text, new.strip().splitlines()[0])}:")
               for p in found), found


@pytest.mark.parametrize("old, new, message", [
    ("version: 1", "version: 0x1A", "0x1A is read as the number 26 (in base 16): write it in plain digits"),
    ("version: 1", "version: 1:05", "1:05 is read as the number 65 (in base 60)"),
    ("  - number: 3\n", "  - number: 0b11\n", "0b11 is read as the number 3 (in base 2)"),
    ("validity_months: 24", "validity_months: 024", "024 is read as the number 20 (in base 8)"),
    ("validity_months: 24", "validity_months: 2:00", "2:00 is read as the number 120 (in base 60)"),
    ("targets: {technician: 3, manager: 2}", "targets: {technician: 0b11, manager: 2}",
     "0b11 is read as the number 3 (in base 2)"),
])
def test_a_number_yaml_reads_in_another_base_is_a_problem(old, new, message):
    """YAML 1.1 reads 1:05 in base 60 and 0x1A in hexadecimal: a version or level nobody meant."""
    text = SAMPLE.replace(old, new, 1)
    assert text != SAMPLE
    assert any(p.startswith(f"broken.yaml:{line_of(text, new.strip())}: {message}") for p in problems_of(text)), \
        problems_of(text)


# --- the shipped file is what the writer writes --------------------------------------------------------

def test_the_shipped_framework_is_in_the_writers_layout():
    from pathlib import Path

    text = Path(__file__).parents[2].joinpath("courses", "_frameworks", "s3.yaml").read_text(encoding="utf-8")
    data = files.read_yaml(text, "s3.yaml")
    assert files.write_yaml(data) == text
    assert files.read_csv(files.write_csv(data), "s3.csv") == data
    assert len(data.sources) >= 10 and all(s.get("title") for s in data.sources)


def test_the_shipped_framework_is_the_one_the_issue_and_the_readme_describe():
    """The S3 practitioner framework: 5 areas, 15 competences, the 4 levels Foundation, Practitioner, Advanced and
    Lead, every text in the three languages (a competence's title and its knowledge, skills and attitudes and
    values), and alignments to the external frameworks."""
    from pathlib import Path

    text = Path(__file__).parents[2].joinpath("courses", "_frameworks", "s3.yaml").read_text(encoding="utf-8")
    data = files.read_yaml(text, "s3.yaml")
    locales = {"en", "es", "pt_BR"}
    assert [level["name"]["en"] for level in data.levels] == ["Foundation", "Practitioner", "Advanced", "Lead"]
    assert [level["number"] for level in data.levels] == [1, 2, 3, 4]
    assert all(set(level[key]) == locales for level in data.levels for key in ("name", "descriptor"))
    assert len(data.areas) == 5 and all(set(area["title"]) == locales for area in data.areas)
    assert len(data.competences) == 15
    assert {c["area"] for c in data.competences} == {area["code"] for area in data.areas}
    for competence in data.competences:
        for key in ("title", "knowledge", "skills", "attitudes"):
            assert set(competence[key]) == locales and all(competence[key].values()), (competence["code"], key)
    aligned = {a["framework"] for c in data.competences for a in c.get("alignments", [])}
    assert {"DigComp", "EntreComp", "OECD-OPSI"} <= aligned


def test_multi_line_texts_round_trip_in_both_forms():
    data = files.read_yaml(SAMPLE, "demo.yaml")
    data.competences[0]["knowledge"]["en"] = "First paragraph.\n\nSecond: with a colon\n- and a dash"
    assert files.read_yaml(files.write_yaml(data), "x") == data
    assert "knowledge:\n      en: |-\n        First paragraph." in files.write_yaml(data)
    assert files.read_csv(files.write_csv(data), "x") == data


def test_line_breaks_yaml_reads_as_newlines_round_trip_exactly():
    """Pasted text may carry U+0085 (NEL), U+2028 or U+2029, which a literal block would give back as \n."""
    data = files.read_yaml(SAMPLE, "demo.yaml")
    data.competences[0]["knowledge"]["en"] = "One\x85two\u2028three\u2029four\nfive"
    assert files.read_yaml(files.write_yaml(data), "x") == data


def test_a_csv_saved_with_semicolons_says_so():
    data = files.read_yaml(SAMPLE, "demo.yaml")
    text = files.write_csv(data)
    semicolons = "\n".join(line.replace(",", ";") for line in text.splitlines()[:1]) + "\n"
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv(semicolons, "demo.csv")
    assert "separates them with semicolons" in str(error.value.problems[0])


# --- whatever a value is, the reader answers with problems, never a traceback ----------------------------

def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))


def _replaced(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replaced(v, rest, new) if k == head else v) for k, v in value.items()}
    return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


def _junk():
    from datetime import date, datetime

    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                        st.text(max_size=8), st.dates(min_value=date(1, 1, 1)),
                        st.datetimes(min_value=datetime(1, 1, 1)))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=5) | st.integers(), inner,
                                                                         max_size=3)), max_leaves=6)


def test_any_value_anywhere_gives_problems_or_data():
    import yaml
    from hypothesis import given, strategies as st

    parsed = yaml.safe_load(SAMPLE + SOURCES)
    paths = list(_paths(parsed))

    @given(st.sampled_from(paths), _junk())
    def check(path, new):
        text = yaml.safe_dump(_replaced(parsed, path, new), allow_unicode=True)
        try:
            data = files.read_yaml(text, "fuzz.yaml")
        except files.FrameworkFileError as error:
            assert error.problems and all(p.file == "fuzz.yaml" for p in error.problems)
        else:
            files.read_csv(files.write_csv(data), "fuzz.csv")

    check()


def test_any_cell_of_the_csv_gives_problems_or_data():
    import csv
    import io

    from hypothesis import given, strategies as st

    rows = list(csv.reader(io.StringIO(files.write_csv(files.read_yaml(SAMPLE + SOURCES, "demo.yaml")))))

    @given(st.integers(0, len(rows) - 1), st.integers(0, 7), st.text(max_size=12))
    def check(row, column, value):
        changed = [list(r) for r in rows]
        changed[row][column] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(changed)
        try:
            files.read_csv(out.getvalue(), "fuzz.csv")
        except files.FrameworkFileError as error:
            assert error.problems

    check()


# --- review: realistic hand edits ----------------------------------------------------------------------

@pytest.mark.parametrize("old, new, fragment, message", [
    # a key written twice: YAML would keep the last one silently
    ("    area: B\n", "    area: B\n    area: C\n", "area: C", "'area' is given twice (first on line"),
    ("pt_BR: Conduz oficinas}", "pt_BR: Conduz oficinas, en: Runs them}", "Conduz oficinas", "'en' is given twice"),
    # a typo in a level's or an area's key would be dropped without a word
    ("  - number: 3\n", "  - number: 3\n    descripton: Adapts\n", "descripton", "unknown key 'descripton' in a level"),
    ("  - code: B\n", "  - code: B\n    description: {en: x, es: x, pt_BR: x}\n", "description: {en: x",
     "unknown key 'description' in an area"),
    # numbers beyond what the database keeps
    ("version: 1\n", "version: 99999999999999999999\n", "version:", "version must be a whole number from 1 to"),
    ("version: 1\n", "version: 3000000000\n", "version:", "version must be a whole number from 1 to"),
    # a number written in quotes is text to YAML: say so
    ("  - number: 2\n", '  - number: "2"\n', 'number: "2"', "a level number is a whole number from 1: write 2 "
                                                              "without quotes"),
    ("targets: {technician: 3,", "targets: {technician: '3',", "technician: '3'", "for technician is a level "
                                                                                 "number: write 3 without quotes"),
    ("validity_months: 24", 'validity_months: "24"', "validity_months", "from 1 to 600: write 24 without quotes"),
    # a code YAML reads as a number
    ("  - code: B1\n", "  - code: 11\n", "code: 11", "the code 11 is read as a number: put it in quotes"),
    # texts no page or form can hold
    ("title: {en: Discovery, es: Descubrimiento, pt_BR: Descoberta}\n    knowledge",
     "title: {en: " + "Long " * 50 + ", es: Descubrimiento, pt_BR: Descoberta}\n    knowledge", "Long Long",
     "competence B1 title is longer than 200 characters (en)"),
    ("{en: Runs workshops,", "{en: " + "x" * 4001 + ",", "xxxx", "competence B1 skills is longer than 4000 characters"),
])
def test_hand_edits_that_would_be_lost_or_crash_are_problems(old, new, fragment, message):
    text = SAMPLE.replace(old, new, 1)
    assert text != SAMPLE
    found = problems_of(text)
    assert any(p.startswith(f"broken.yaml:{line_of(text, fragment)}: ") and message in p for p in found), found


def test_a_line_break_written_as_an_escape_is_kept_as_files_keep_it():
    """"\\r\\n" inside a quoted YAML text is the same line break as \\n: the CSV form (and the browser) keep \\n,
    so both forms read the same framework."""
    text = SAMPLE.replace("{en: Inclusive,", '{en: "Inclusive.\\r\\nAnd fair.\\rAlways.",')
    data = files.read_yaml(text, "demo.yaml")
    assert data.competences[1]["attitudes"]["en"] == "Inclusive.\nAnd fair.\nAlways."
    assert files.read_csv(files.write_csv(data), "demo.csv") == data


def test_export_to_csv_is_safe_to_open_in_a_spreadsheet_and_round_trips():
    """A cell starting with = + - @ (or a tab) would run as a formula in Excel: the export prefixes it with an
    apostrophe, which the import removes again."""
    import csv
    import io

    data = files.read_yaml(SAMPLE, "demo.yaml")
    tricky = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)", "'=already quoted",
              "''@two quotes", "'plain quote", 'Say "hi", then, go']
    for index, value in enumerate(tricky):
        data.competences[0]["knowledge"] = {**data.competences[0]["knowledge"], "en": value}
        data.competences[1]["skills"] = {**data.competences[1]["skills"], "es": value}
        data.sources = [{"title": value}]
        as_csv = files.write_csv(data)
        cells = [cell for row in csv.reader(io.StringIO(as_csv)) for cell in row]
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells), value
        back = files.read_csv(as_csv, "demo.csv")
        assert back == data, value
        assert files.write_csv(back) == as_csv



def test_a_formula_after_spaces_is_written_safe_to_open_too():
    """LibreOffice Calc trims the spaces before a cell's text when asked to, then runs " =1+2" as a formula: such a
    cell is written with an apostrophe in front too (the import takes texts without their leading spaces)."""
    import csv
    import io

    data = files.read_yaml(SAMPLE, "demo.yaml")
    for value in (" =1+2", "\n  @SUM(A1)", "   -2+3"):
        data.sources = [{"title": value}]
        cells = [cell for row in csv.reader(io.StringIO(files.write_csv(data))) for cell in row]
        assert "'" + value in cells and value not in cells, value
        assert files.read_csv(files.write_csv(data), "demo.csv").sources[0]["title"] == value.strip(), value
    data.sources = [{"title": "  plain words"}]
    assert "  plain words" in [cell for row in csv.reader(io.StringIO(files.write_csv(data))) for cell in row]

def test_a_value_given_twice_in_the_csv_is_a_problem():
    lines = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).splitlines()
    first = next(i for i, line in enumerate(lines, 1) if line.startswith("competence,B1,B,title,"))
    version = next(i for i, line in enumerate(lines, 1) if line.startswith("framework,,,version,"))
    target = next(i for i, line in enumerate(lines, 1) if line.startswith("competence,A1,A,target:manager,"))
    code = next(i for i, line in enumerate(lines, 1) if line.startswith("competence,A1,A,alignment:1:code,"))
    lines += ["competence,B1,B,title,Other,Otro,Outro,", "framework,,,version,,,,5",
              "competence,A1,A,target:manager,,,,3", "competence,A1,A,alignment:1:code,,,,1.3"]
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    assert [str(p) for p in error.value.problems] == [
        f"demo.csv:{len(lines) - 3}: competence B1 title is given twice (first on line {first})",
        f"demo.csv:{len(lines) - 2}: framework version is given twice (first on line {version})",
        f"demo.csv:{len(lines) - 1}: competence A1 target:manager is given twice (first on line {target})",
        f"demo.csv:{len(lines)}: competence A1 alignment:1:code is given twice (first on line {code})"]


def test_a_competence_whose_rows_disagree_on_its_area_is_a_problem():
    lines = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).splitlines()
    first = next(i for i, line in enumerate(lines, 1) if line.startswith("competence,B1,B,title,"))
    index = next(i for i, line in enumerate(lines) if line.startswith("competence,B1,B,skills,"))
    lines[index] = lines[index].replace("competence,B1,B,skills", "competence,B1,A,skills")
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    assert [str(p) for p in error.value.problems] == [
        f"demo.csv:{index + 1}: competence B1 is in area 'B' on line {first} but in area 'A' here: give every row "
        f"of a competence the same area"]


@pytest.mark.parametrize("old, new, message", [
    ("slug: demo\n", 'slug: "demo\\n"\n', "slug must be lower-case letters"),
    ("  - code: A1\n", '  - code: "A1\\n"\n', "has spaces around it: write A1"),
])
def test_a_slug_or_code_with_a_final_line_break_is_refused(old, new, message):
    """A regular expression's $ also matches before a final line break: "demo\n" is no slug (it would end up in
    addresses, IRIs and a download's Content-Disposition header)."""
    assert any(message in p for p in problems_of(SAMPLE.replace(old, new, 1)))


def test_an_address_with_a_final_line_break_is_refused():
    from app.competences.vocabulary import alignment_problems

    assert alignment_problems({"framework": "ESCO",
                               "uri": "http://data.europa.eu/esco/skill/" + "a" * 36 + "\n"}) == [("uri", "esco-uri")]
    assert alignment_problems({"framework": "DigComp", "code": "1.2", "uri": "https://example.org/\n"}) == \
        [("uri", "not-http")]


@pytest.mark.parametrize("row, at_end", [
    ("framework,,,levels,x,y,z,", False), ("framework,,,areas,,,,A", False), ("framework,,,competences,,,,", False),
    ("framework,,,sources,,,,", False), ("level,1,,number,,,,2", False), ("area,A,,code,,,,Z", False),
    ("competence,A1,A,code,,,,Z1", False), ("competence,A1,A,area,,,,B", False),
    ("competence,A1,A,alignments,,,,", False), ("competence,A1,A,targets,,,,3", False),
    ("competence,A1,A,alignments,x,y,z,", True), ("competence,A1,A,targets,x,y,z,", True),
])
def test_a_csv_field_that_names_a_part_of_the_framework_is_an_unknown_field(row, at_end):
    """A CSV row sets one value of its record: a field named like a list or a key the file's structure holds
    (a framework's levels, a competence's code or alignments) is an unknown field, not a crash nor a value that
    silently replaces that part."""
    lines = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).splitlines()
    index = len(lines) if at_end else 2
    lines.insert(index, row)
    field = row.split(",")[3]
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    [problem] = [str(p) for p in error.value.problems]
    record = row.split(",")[0]
    assert problem.startswith(f"demo.csv:{index + 1}: unknown field {field!r} "
                              f"({'an' if record == 'area' else 'a'} {record} row gives its ")


@pytest.mark.parametrize("escape, character", [("\\uD800", "U+D800"), ("\\x1b", "U+001B"), ("\\0", "U+0000"),
                                               ("\\uFFFF", "U+FFFF"), ("\\x9b", "U+009B")])
def test_a_character_that_is_not_text_written_as_an_escape_is_a_problem(runner, client, tmp_path, escape,
                                                                        character):
    """YAML refuses a control character typed into the file, but reads one written as an escape in quotes; half
    of a character (a lone surrogate, \\uD800) is no text at all: no page, download or CSV could show it. Both
    are problems with their line, and nothing is imported."""
    text = SAMPLE.replace("{en: Inclusive,", f'{{en: "Inclu{escape}sive",')
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["competences", "import", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    # (the YAML reader finds it, for framework and course files alike, before the framework's checks would)
    assert f"{path}:{line_of(text, 'Inclu')}: the escape in this quoted text stands for {character}" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Framework)) == 0
    lines = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("competence,B1,B,attitudes,"))
    lines[index] = lines[index].replace("Inclusive", "Inclu\x0bsive")
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    assert [str(p) for p in error.value.problems] == [
        f"demo.csv:{index + 1}: competence B1 attitudes holds the character U+000B, an invisible control character "
        f"(pasted from another program?): delete it"]


@pytest.mark.parametrize("old, new, message", [
    ("        name: Evaluating data\n", '        name: "Evaluating\\x07 data"\n',
     "the escape in this quoted text stands for U+0007"),
    ("  - title: A page\n", '  - title: "A page\\uDC00"\n', "the escape in this quoted text stands for U+DC00"),
])
def test_sources_and_alignments_hold_only_text(old, new, message):
    text = (SAMPLE + SOURCES).replace(old, new, 1)
    assert text != SAMPLE + SOURCES
    [problem] = problems_of(text)
    assert problem.startswith(f"broken.yaml:{line_of(text, new.strip()[:12])}: {message}")


@pytest.mark.parametrize("written", ["1.10", "01", "0x1A", "1_0"])
def test_a_code_read_as_a_number_is_quoted_as_the_file_writes_it(written):
    """YAML reads 1.10 as 1.1 and 01 as 1: the advice quotes what the file says, or following it would give the
    competence another code than the one meant (and than the modules name)."""
    text = SAMPLE.replace("  - code: B1\n", f"  - code: {written}\n")
    assert problems_of(text) == [f"broken.yaml:{line_of(text, f'code: {written}')}: the code {written} is read as a "
                                 f'number: put it in quotes, as in code: "{written}"']


@pytest.mark.parametrize("old, new, message", [
    ("        name: Evaluating data\n", "        name: " + "Evaluating " * 28 + "\n",
     "an alignment's name is longer than 300 characters"),
    ("        name: Evaluating data\n",
     "        name: Evaluating data\n        uri: https://example.org/" + "a" * 281 + "\n",
     "an alignment's uri is longer than 300 characters"),
])
def test_an_alignment_is_bounded_as_the_edit_form_bounds_it(old, new, message):
    """The edit form takes an alignment's name and address up to 300 characters: a file's longer one would be
    imported, then refused by every save of the competence's form (which shows the alignment as a row)."""
    text = SAMPLE.replace(old, new, 1)
    assert problems_of(text) == [f"broken.yaml:{line_of(text, new.strip().splitlines()[-1][:20])}: {message}"]
    shorter = SAMPLE.replace(old, new.replace("a" * 281, "a" * 280).replace("Evaluating " * 28, "Evaluating " * 27), 1)
    assert files.read_yaml(shorter, "demo.yaml")


@pytest.mark.parametrize("start, replaced, by, message", [
    ("competence,A1,A,alignment:1:name,", ",,,,Evaluating data", ",Evaluating data,,,",
     "competence A1 alignment:1:name is given in the value column: leave en, es and pt_BR empty"),
    ("competence,A1,A,validity_months,", ",,,,24", ",,,12,24",
     "competence A1 validity_months is given in the value column: leave en, es and pt_BR empty"),
    ("competence,B1,B,title,", "Descoberta,", "Descoberta,Discovery of the EDP",
     "competence B1 title is a text in the en, es and pt_BR columns: leave the value column empty"),
    ("level,2,,descriptor,", "Aplica,", "Aplica,2",
     "level 2 descriptor is a text in the en, es and pt_BR columns: leave the value column empty"),
])
def test_a_csv_cell_the_import_would_leave_out_is_a_problem(start, replaced, by, message):
    """A value typed in a language column of a row that takes one value (or the other way round) would be left
    out without a word: the import says so, with the line, and imports nothing."""
    lines = files.write_csv(files.read_yaml(SAMPLE, "demo.yaml")).splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(start))
    assert lines[index].endswith(replaced)
    lines[index] = lines[index][:-len(replaced)] + by
    with pytest.raises(files.FrameworkFileError) as error:
        files.read_csv("\n".join(lines) + "\n", "demo.csv")
    assert f"demo.csv:{index + 1}: {message}" in [str(p) for p in error.value.problems]


@pytest.mark.parametrize("written", ["[]", "''", "0", "false"])
def test_targets_of_the_wrong_kind_are_a_problem_even_when_empty(written):
    """targets maps positions to levels: an empty list, an empty text, 0 or false is a slip (a list where a
    mapping is expected), said as such rather than read as no targets."""
    text = SAMPLE.replace("targets: {technician: 3, manager: 2}", f"targets: {written}")
    assert problems_of(text) == [f"broken.yaml:{line_of(text, 'targets:')}: targets maps positions to levels"]
    assert files.read_yaml(SAMPLE.replace("targets: {technician: 3, manager: 2}", "targets: {}"), "demo.yaml")
    assert files.read_yaml(SAMPLE.replace("targets: {technician: 3, manager: 2}", "targets:"), "demo.yaml")


@pytest.mark.parametrize("old, new, fragment, message", [
    ("slug: demo\n", "slug: !!timestamp demo\n", "slug:", "'demo' is not a valid date (write it as YYYY-MM-DD)"),
    ("  - number: 3\n", "  - number: !!bool 3\n", "number: !!bool", "the value '3' cannot be read"),
    ("validity_months: 24", "validity_months: !!int ", "validity_months", "the value '' cannot be read"),
    ("    area: B\n", "    area: B\n    !!map x: 1\n", "!!map x", "the value 'x' cannot be read"),
    ("    area: B\n", "    area: B\n    !!seq y: 1\n", "!!seq y", "the value 'y' cannot be read"),
    ("    area: B\n", "    area: B\n    !!set z: 1\n", "!!set z", "the value 'z' cannot be read"),
])
def test_a_yaml_type_that_cannot_hold_the_value_written_is_a_problem(old, new, fragment, message):
    """A tag naming a type the value cannot be (a date that is a word, a yes/no that is a number, a mapping
    written as a word, as a key) is a problem on its line, like any value YAML cannot read: not a traceback."""
    text = SAMPLE.replace(old, new, 1)
    assert text != SAMPLE
    found = problems_of(text)
    assert found == [f"broken.yaml:{line_of(text, fragment)}: {message}"]
