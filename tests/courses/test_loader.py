"""The loader: valid trees, and every kind of problem reported with file and line."""
import pytest

from app.courses.loader import load_tree
from tests.fixtures.courses import COURSE_YAML, build_tree, module_text


def problems(root) -> list[str]:
    return [str(p) for p in load_tree(root).problems]


def test_a_valid_tree(course_tree):
    tree = load_tree(course_tree)
    assert tree.problems == []
    [course] = tree.courses
    assert (course.slug, course.version, course.framework, course.locales) == ("pilot", 1, "demo", ("en", "es", "pt_BR"))
    assert [m.slug for m in course.modules] == ["intro", "practice"]
    assert course.modules[1].duration == 20 and course.modules[0].completion == "viewed"
    assert course.modules[0].texts["es"].title == "Introducción"
    assert course.competences() == {"A1": 1} and course.assets == ("assets/map.svg",)
    assert len(course.content_hash) == 64


def test_the_hash_follows_the_content(course_tree):
    before = load_tree(course_tree).courses[0].content_hash
    path = course_tree / "pilot" / "modules" / "01-intro" / "en.md"
    path.write_text(path.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    assert load_tree(course_tree).courses[0].content_hash != before


def test_unknown_competence_code(tmp_path):
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", competences="  - {code: Z9, level: 1}\n")
                                                      for l in ("en", "es", "pt_BR")}})
    found = problems(root)
    assert "pilot/modules/01-intro/en.md:7: unknown competence code 'Z9' (framework demo)" in found


def test_level_outside_the_scale(tmp_path):
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", competences="  - {code: A1, level: 4}\n")
                                                      for l in ("en", "es", "pt_BR")}})
    assert "pilot/modules/01-intro/es.md:7: level 4 of A1 is outside the scale 1-3" in problems(root)


def test_missing_locale(tmp_path):
    root = build_tree(tmp_path, modules={"01-intro": {"en": module_text("T"), "es": module_text("T")}})
    assert "pilot/modules/01-intro/pt_BR.md: module intro has no pt_BR text (the course promises pt_BR)" \
        in problems(root)


def test_a_course_may_promise_fewer_languages(tmp_path):
    root = build_tree(tmp_path, course_yaml=COURSE_YAML.replace("[en, es, pt_BR]", "[en, es]").replace(
        "  practice: viewed\n", ""), modules={"01-intro": {"en": module_text("T"), "es": module_text("T")}})
    assert problems(root) == []


def test_broken_asset_link(tmp_path):
    body = "Intro.\n\nSee ![the map](assets/missing.png) and [notes](../../assets/map.svg)."
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = problems(root)
    assert "pilot/modules/01-intro/en.md:11: broken link: 'assets/missing.png' does not exist" in found
    assert not any("map.svg" in p for p in found)


@pytest.mark.parametrize("body, expected", [
    ("![local](local.svg)", "the link 'local.svg' does not work in the reader"),
    ("[next](../02-practice/en.md)", "the link '../02-practice/en.md' does not work in the reader"),
    ("See [the figure][fig].\n\n[fig]: assets/missing-ref.png", "broken link: 'assets/missing-ref.png' does not exist"),
    ('<img src=assets/gone.png alt="x">', "broken link: 'assets/gone.png' does not exist"),
    ("![tracker](https://tracker.example/p.gif)", "the image 'https://tracker.example/p.gif' is not in the course"),
    ('<iframe src="https://evil.example/embed/x" title="x"></iframe>', "'https://evil.example/embed/x' cannot be embedded"),
    ("[notes](../../assets/../course.yaml)", "points outside the course's assets"),
])
def test_links_that_would_break_in_the_reader(tmp_path, body, expected):
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body="Intro.\n\n" + body)
                                                      for l in ("en", "es", "pt_BR")}})
    found = problems(root)
    assert any(p.startswith("pilot/modules/01-intro/en.md:1") and expected in p for p in found), found


def test_links_that_work_in_the_reader(tmp_path):
    body = ("Intro.\n\n[spaced](assets/x%20y.pdf), [site](https://example.org), [top](#top), [mail](mailto:a@b.org)"
            "\n\n```\n![in code](nowhere.png)\n```\n\n"
            '<iframe src="https://player.vimeo.com/video/1" title="Video"></iframe>\n')
    root = build_tree(tmp_path, course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""),
                      modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    (root / "pilot" / "assets" / "x y.pdf").write_bytes(b"%PDF-1.4")
    assert problems(root) == []


def test_hidden_files_and_a_byte_order_mark_are_harmless(course_tree):
    before = load_tree(course_tree).courses[0].content_hash
    (course_tree / "pilot" / ".DS_Store").write_bytes(b"\0")
    (course_tree / "pilot" / "assets" / "map.svg~").write_text("backup", encoding="utf-8")
    path = course_tree / "pilot" / "modules" / "01-intro" / "en.md"
    path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")
    tree = load_tree(course_tree)
    assert tree.problems == [] and tree.courses[0].assets == ("assets/map.svg",)
    assert tree.courses[0].content_hash != before  # the text changed (its BOM), the hidden files did not count
    path.write_text(path.read_text(encoding="utf-8").lstrip("\ufeff"), encoding="utf-8")
    assert load_tree(course_tree).courses[0].content_hash == before


def test_duplicate_module_slug(tmp_path):
    texts = {l: module_text("T") for l in ("en", "es", "pt_BR")}
    root = build_tree(tmp_path, modules={"01-intro": texts, "02-intro": texts})
    assert any("duplicate module slug 'intro'" in p for p in problems(root))


def test_duplicate_course_slug(course_tree):
    copy = course_tree / "pilot-copy"
    import shutil

    shutil.copytree(course_tree / "pilot", copy)
    found = problems(course_tree)
    assert any("slug 'pilot' differs from the folder name 'pilot-copy'" in p for p in found)


@pytest.mark.parametrize("front, expected", [
    ("---\ntitle: [unclosed\n---\nBody\n", "pilot/modules/01-intro/en.md:3: malformed YAML"),  # where it ends
    ("---\ntitle: T\nobjectives: [x]\nduration: 25: 3\n---\nBody\n", "pilot/modules/01-intro/en.md:4: malformed YAML"),
    ("---\ntitle: T\nduration: 5\nobjectives: [x]\n\tcompetences: []\n---\nBody\n",
     "pilot/modules/01-intro/en.md:5: malformed YAML"),
    ("---\ntitle: 2024\nduration: 5\nobjectives: [x]\n---\nBody\n", "pilot/modules/01-intro/en.md:2: the front matter needs a title"),
    ("No front matter here\n", "pilot/modules/01-intro/en.md:1: the file must start with YAML front matter"),
    ("---\ntitle: T\nduration: soon\nobjectives: [x]\n---\nBody\n",
     "pilot/modules/01-intro/en.md:3: duration is the time to work through the module, in whole minutes"),
    ("---\ntitle: T\nduration: 5\nobjectives: [x]\ncolour: red\n---\nBody\n",
     "pilot/modules/01-intro/en.md:5: unknown key 'colour' in the front matter"),
])
def test_malformed_front_matter(tmp_path, front, expected):
    root = build_tree(tmp_path, modules={"01-intro": {"en": front, "es": module_text("T"), "pt_BR": module_text("T")}})
    assert any(p.startswith(expected) for p in problems(root)), problems(root)


def test_course_yaml_problems(tmp_path):
    broken = COURSE_YAML.replace("version: 1", "version: one").replace("framework: demo", "framework: nope")
    root = build_tree(tmp_path, course_yaml=broken)
    found = problems(root)
    assert "pilot/course.yaml:2: version must be a whole number from 1" in found
    assert "pilot/course.yaml:3: unknown framework 'nope' (no courses/_frameworks/nope.yaml)" in found


def test_unknown_completion_rule_and_module(tmp_path):
    root = build_tree(tmp_path, course_yaml=COURSE_YAML.replace("practice: viewed", "practise: watched"))
    found = problems(root)
    assert any("unknown completion rule 'watched'" in p for p in found)
    assert any("completion names an unknown module 'practise'" in p for p in found)


def test_folders_starting_with_underscore_are_not_courses(course_tree):
    (course_tree / "_itineraries").mkdir()
    assert [c.slug for c in load_tree(course_tree).courses] == ["pilot"]


def test_the_real_courses_folder_is_valid(app):
    """The content the project ships (the S3 framework and the first course) passes its own checks."""
    from pathlib import Path

    tree = load_tree(Path(app.config["COURSES_DIR"]))
    assert tree.problems == []
    assert "s3" in tree.frameworks and "s3-foundations" in [c.slug for c in tree.courses]


def test_an_asset_too_large_to_keep_with_every_version(course_tree, monkeypatch):
    from app.courses import loader

    monkeypatch.setattr(loader, "MAX_ASSET_BYTES", 10)
    assert any(p.startswith("pilot/assets/map.svg: the file is larger than") for p in problems(course_tree))


def test_a_framework_file_that_is_not_utf8(course_tree):
    (course_tree / "_frameworks" / "latin.yaml").write_bytes("slug: l\ntitle: {en: Diseño}\n".encode("latin-1"))
    assert any(p.startswith("_frameworks/latin.yaml:2: the file is not UTF-8 text") for p in problems(course_tree))
