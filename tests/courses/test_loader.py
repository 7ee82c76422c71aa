"""The loader: valid trees, and every kind of problem reported with file and line."""
import pytest

from app.courses import render
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


def test_a_competence_named_twice_in_a_module_is_a_problem(tmp_path):
    """B1 at level 1 and at level 3 in one module: which level the module grants is the author's to say, once."""
    listed = "  - {code: A1, level: 1}\n  - {code: B1, level: 1}\n  - {code: A1, level: 3}\n"
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", competences=listed)
                                                      for l in ("en", "es", "pt_BR")}})
    found = problems(root)
    assert ("pilot/modules/01-intro/en.md:9: competence A1 is named twice in this module (also line 7): give it "
            "once, with the level the module grants") in found, found
    assert len([p for p in found if "named twice" in p]) == 3  # each language's file


def test_a_key_a_competence_does_not_have_is_a_problem(tmp_path):
    """{code: A1, level: 1, levle: 2}: a mistyped key was passed over, as the front matter's own are not."""
    listed = "  - {code: A1, level: 1, levle: 2}\n"
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", competences=listed)
                                                      for l in ("en", "es", "pt_BR")}})
    assert ("pilot/modules/01-intro/pt_BR.md:7: unknown key 'levle' in a competence: each competence is "
            "{code: B1, level: 2}") in problems(root)


@pytest.mark.parametrize("old, new, problem", [
    ("title: {en: Pilot course, es: Curso piloto, pt_BR: Curso piloto}", "title: {en: Pilot course, es: Curso piloto}",
     "pilot/course.yaml:4: title is missing its pt_BR text"),
    ("summary: {en: A short course, es: Un curso corto, pt_BR: Um curso curto}",
     "summary: {en: A short course, pt_BR: Um curso curto}", "pilot/course.yaml:5: summary is missing its es text"),
])
def test_a_course_title_or_summary_missing_a_promised_language(tmp_path, old, new, problem):
    """course.yaml's title and summary are translated into every language the course promises."""
    assert old in COURSE_YAML
    root = build_tree(tmp_path, course_yaml=COURSE_YAML.replace(old, new))
    assert problem in problems(root)
    # a course that promises English and Spanish only needs no Portuguese title
    spanish = COURSE_YAML.replace("[en, es, pt_BR]", "[en, es]").replace(old, new)
    texts = {"en": module_text("T"), "es": module_text("T")}
    found = problems(build_tree(tmp_path / "two", course_yaml=spanish,
                                modules={"01-intro": texts, "02-practice": texts}))
    assert (problem in found) == ("pt_BR" not in problem), found


def test_missing_locale(tmp_path):
    """A file that is missing has no line: the problem is told where the course promises the language."""
    root = build_tree(tmp_path, modules={"01-intro": {"en": module_text("T"), "es": module_text("T")}})
    assert ("pilot/course.yaml:8: module intro has no pt_BR text: write modules/01-intro/pt_BR.md "
            "(the course promises pt_BR)") in problems(root)
    # a course that names no languages promises all three, from its first line
    root = build_tree(tmp_path, course_yaml=COURSE_YAML.replace("locales: [en, es, pt_BR]\n", ""),
                      modules={"01-intro": {"en": module_text("T"), "es": module_text("T")}})
    assert ("pilot/course.yaml:1: module intro has no pt_BR text: write modules/01-intro/pt_BR.md "
            "(the course promises pt_BR)") in problems(root)


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
    ("[next](../02-practice/en.md)",
     "broken link: '../02-practice/en.md': the course has no module folder 02-practice"),
    ("[notes](../01-intro/notes.txt)", "the link '../01-intro/notes.txt' does not work in the reader"),
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


@pytest.mark.parametrize("src, instead", [
    ("https://www.youtube.com/embed/dQw4w9WgXcQ?start=30",
     "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=30"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=5", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=5"),
    # a start time, however the site wrote it, is where the player starts: an embed knows only start=SECONDS
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=90s",
     "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90"),
    ("https://youtu.be/dQw4w9WgXcQ?t=1m30s", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90"),
    ("https://youtu.be/dQw4w9WgXcQ?si=Ab3&t=1h0m5s", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=3605"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&start=90",
     "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ#t=2m",
     "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=120"),
    ("https://www.youtube.com/embed/dQw4w9WgXcQ?t=90&rel=0",
     "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0&start=90"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=soon", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
    ("http://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
    ("https://vimeo.com/76979871#t=90", "https://player.vimeo.com/video/76979871#t=90s"),
    ("https://vimeo.com/76979871#t=1m30s", "https://player.vimeo.com/video/76979871#t=90s"),
    # a video's page drops its query (only the player's own ?h= is kept): a t= there is where the player starts
    ("https://vimeo.com/76979871?t=90", "https://player.vimeo.com/video/76979871#t=90s"),
    ("http://player.vimeo.com/video/76979871?h=ab12#t=45s", "https://player.vimeo.com/video/76979871?h=ab12#t=45s"),
    # a short's or a live stream's page (the address the share button gives), with where it starts
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://youtube.com/shorts/dQw4w9WgXcQ?feature=share", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://www.youtube.com/live/dQw4w9WgXcQ?si=Ab3&amp;t=90",
     "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90"),
    # written in HTML, a link's & is &amp;: the settings after it, and the start time, were lost
    ("https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0&amp;start=30",
     "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0&start=30"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=90s",
     "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90"),
    ("https://vimeo.com/76979871?t=90", "https://player.vimeo.com/video/76979871#t=90s"),
])
def test_a_player_copied_from_the_video_site_is_answered_with_the_address_to_write(tmp_path, src, instead):
    """An author pastes YouTube's own embed code (www.youtube.com) or the video's page: the reader would show
    nothing, and the message names the player address that works, rather than leaving them to find it."""
    body = f'Intro.\n\n<iframe src="{src}" title="A video"></iframe>\n'
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if "cannot be embedded" in p]
    assert found and all(f"write {instead!r} instead" in p for p in found), found
    fixed = build_tree(tmp_path / "fixed", modules={"01-intro": {l: module_text("T", body=body.replace(src, instead))
                                                                 for l in ("en", "es", "pt_BR")}})
    assert not any("cannot be embedded" in p for p in problems(fixed))


def test_a_player_given_a_start_time_it_does_not_read_is_told_the_one_it_does(tmp_path):
    """YouTube's player starts at ?start=SECONDS and ignores the t=1m30s of a video's page: a player written with
    it started at the beginning without a word. One with start= (and its own settings, in any order) is right."""
    src = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0&amp;t=1m30s"
    body = f'Intro.\n\n<iframe src="{src}" title="A video"></iframe>\n'
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if "start" in p]
    written = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0&t=1m30s"
    instead = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0&start=90"
    assert found and all(f"{written!r} starts the video at the beginning" in p and f"write {instead!r} instead" in p
                         for p in found), found
    # a page's #t= written on the player is ignored by it too
    fragment = body.replace(src, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ#t=1m30s")
    root = build_tree(tmp_path / "fragment", modules={"01-intro": {l: module_text("T", body=fragment)
                                                                   for l in ("en", "es", "pt_BR")}})
    said = "write 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90' instead"
    assert any("starts the video at the beginning" in p and said in p for p in problems(root)), problems(root)
    right = body.replace(src, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90&amp;rel=0")
    fixed = build_tree(tmp_path / "fixed", modules={"01-intro": {l: module_text("T", body=right)
                                                                 for l in ("en", "es", "pt_BR")}})
    assert not any("embed" in p or "start" in p for p in problems(fixed)), problems(fixed)


@pytest.mark.parametrize("src, written, instead", [
    ("https://player.vimeo.com/video/76979871?t=90", "https://player.vimeo.com/video/76979871?t=90",
     "https://player.vimeo.com/video/76979871#t=90s"),
    ("https://player.vimeo.com/video/76979871?h=ab12&amp;t=1m30s",
     "https://player.vimeo.com/video/76979871?h=ab12&t=1m30s", "https://player.vimeo.com/video/76979871?h=ab12#t=90s"),
])
def test_a_vimeo_player_given_a_start_time_it_does_not_read_is_told_the_one_it_does(tmp_path, src, written, instead):
    """Vimeo's player starts at #t=SECONDSs; a player address written with ?t= started at the beginning, and was
    not flagged."""
    body = f'Intro.\n\n<iframe src="{src}" title="A video"></iframe>\n'
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if "start" in p]
    assert found and all(f"{written!r} starts the video at the beginning" in p and "#t=SECONDSs" in p and
                         f"write {instead!r} instead" in p for p in found), found
    fixed = build_tree(tmp_path / "fixed", modules={"01-intro": {l: module_text("T", body=body.replace(src, instead))
                                                                 for l in ("en", "es", "pt_BR")}})
    assert not any("embed" in p or "start" in p for p in problems(fixed)), problems(fixed)


def test_a_player_of_another_site_is_told_only_what_can_be_embedded(tmp_path):
    body = 'Intro.\n\n<iframe src="https://www.youtube.com/user/someone" title="A video"></iframe>\n'
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if "cannot be embedded" in p]
    assert found and not any("instead" in p for p in found), found


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
    # the text is the same (the reader drops its BOM, and so does the hash), the hidden files did not count
    assert tree.courses[0].content_hash == before


def test_duplicate_module_slug(tmp_path):
    texts = {l: module_text("T") for l in ("en", "es", "pt_BR")}
    root = build_tree(tmp_path, modules={"01-intro": texts, "02-intro": texts})
    assert ("pilot/modules/02-intro/en.md:1: duplicate module slug 'intro' (also 01-intro): rename the folder"
            in problems(root))


def test_duplicate_course_slug(course_tree):
    copy = course_tree / "pilot-copy"
    import shutil

    shutil.copytree(course_tree / "pilot", copy)
    tree = load_tree(course_tree)
    assert any("slug 'pilot' differs from the folder name 'pilot-copy'" in str(p) for p in tree.problems)
    assert [(c.slug, c.path) for c in tree.courses] == [("pilot", "pilot")]  # the copy is not a second pilot


@pytest.mark.parametrize("front, expected", [
    # an unclosed bracket or quote is reported where it opens, not where YAML notices it
    ("---\ntitle: [unclosed\n---\nBody\n", "pilot/modules/01-intro/en.md:2: malformed YAML: the [ list that starts "
                                             "on this line is not closed with ] (YAML stopped on line 3"),
    ("---\ntitle: \"Unclosed\nduration: 5\nobjectives: [x]\n---\nBody\n",
     "pilot/modules/01-intro/en.md:2: malformed YAML: the quoted text that starts on this line has no closing quote"),
    # a bracket left open before a list of lines: PyYAML stops at the list's first "-", lines after the bracket
    ("---\ntitle: T\nduration: [\nobjectives:\n  - x\n---\nBody\n", "pilot/modules/01-intro/en.md:3: malformed "
                                                                    "YAML: the [ list that starts on this line is not "
                                                                    "closed with ] (YAML stopped on line 5"),
    ("---\ntitle: T\nduration: {\nobjectives:\n  - x\n---\nBody\n", "pilot/modules/01-intro/en.md:3: malformed "
                                                                    "YAML: the { mapping that starts on this line is "
                                                                    "not closed with } (YAML stopped on line 5"),
    ("---\ntitle: T\nobjectives: [x]\nduration: 25: 3\n---\nBody\n", "pilot/modules/01-intro/en.md:4: malformed YAML"),
    ("---\ntitle: T\nduration: 5\nobjectives: [x]\n\tcompetences: []\n---\nBody\n",
     "pilot/modules/01-intro/en.md:5: malformed YAML: a tab character where YAML needs spaces"),
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


@pytest.mark.parametrize("front, expected", [
    ("---\ntitle: T\nduration: 25: 3\nobjectives: [x]\n---\nBody\n",
     "pilot/modules/01-intro/en.md:3: malformed YAML: a colon (:) where YAML does not expect one: put a text that "
     "holds \": \" in quotes, or check the indentation of this line"),
    ("---\ntitle: T\nobjectives:\n  - x\n duration: 5\n---\nBody\n",
     "pilot/modules/01-intro/en.md:5: malformed YAML: this line is not indented like the lines before it: line it "
     "up with the other keys or list items at its level"),
    ("---\nduration: 5\nobjectives: [x]\ntitle: [\n---\nBody\n",
     "pilot/modules/01-intro/en.md:4: malformed YAML: the text ends while a value is still open: close the [, { or "
     "quote it starts with, or give the value"),
])
def test_malformed_yaml_is_told_in_plain_words(tmp_path, front, expected):
    # a value left open at the end is reported on the last line of the text, not on the closing --- (nor, in
    # course.yaml, on a line after the last)
    """Not PyYAML's "mapping values are not allowed here" or "expected <block end>, but found '<block mapping
    start>'", which an author cannot act on; PyYAML's words follow in brackets for whoever knows them."""
    root = build_tree(tmp_path, modules={"01-intro": {"en": front, "es": module_text("T"), "pt_BR": module_text("T")}})
    assert any(p.startswith(expected + " (YAML: ") for p in problems(root)), problems(root)


def test_a_course_yaml_ending_inside_a_value_names_its_last_line(tmp_path):
    root = build_tree(tmp_path, course_yaml=COURSE_YAML.rstrip("\n") + "\nlocales: [\n")
    last = len((COURSE_YAML.rstrip("\n") + "\nlocales: [\n").splitlines())
    assert any(p.startswith(f"pilot/course.yaml:{last}: malformed YAML: the text ends") for p in problems(root)), \
        problems(root)


def test_course_yaml_problems(tmp_path):
    broken = COURSE_YAML.replace("version: 1", "version: one").replace("framework: demo", "framework: nope")
    root = build_tree(tmp_path, course_yaml=broken)
    found = problems(root)
    assert "pilot/course.yaml:2: version must be a whole number from 1" in found
    assert "pilot/course.yaml:3: unknown framework 'nope' (no courses/_frameworks/nope.yaml)" in found


def test_a_framework_file_with_problems_is_the_one_thing_reported(tmp_path):
    """The courses that use a framework whose file cannot be read are not blamed for it: one line says their
    competences wait for the framework file, whose own problems come first."""
    from tests.fixtures.competences import SAMPLE

    root = build_tree(tmp_path, framework=SAMPLE.replace("levels:", "levels: [", 1))
    found = problems(root)
    assert found[0].startswith("_frameworks/demo.yaml:")
    assert found[1:] == ["pilot/course.yaml:3: framework 'demo' cannot be read until the problems of "
                         "_frameworks/demo.yaml are mended: the modules' competences are not checked"]


def test_a_course_yaml_that_cannot_be_read_does_not_hide_the_modules_problems(tmp_path):
    broken = COURSE_YAML.replace("estimated_hours: 2", "estimated_hours: [2")
    root = build_tree(tmp_path, course_yaml=broken, modules={
        "01-intro": {locale: module_text("T") for locale in ("en", "es", "pt_BR")},
        "02-practice": {"en": "---\ntitle: T\nduration: 5\n", "es": module_text("T"), "pt_BR": module_text("T")}})
    found = problems(root)
    assert found[0].startswith("pilot/course.yaml:7: malformed YAML: the [ list that starts on this line")
    assert found[1:] == ["pilot/modules/02-practice/en.md:1: the front matter has no closing --- line"]


def test_the_language_that_disagrees_is_the_one_reported(tmp_path):
    changed = module_text("T", competences="  - {code: A1, level: 2}\n")
    practice = {locale: module_text("P") for locale in ("en", "es", "pt_BR")}
    root = build_tree(tmp_path, modules={"01-intro": {"en": changed, "es": module_text("T"),
                                                      "pt_BR": module_text("T")}, "02-practice": practice})
    assert problems(root) == ["pilot/modules/01-intro/en.md:7: duration and competences must be the same in every "
                              "language: this file differs from es.md, pt_BR.md in its competences"]
    root = build_tree(tmp_path, modules={"01-intro": {"en": module_text("T"), "es": module_text("T", duration=12),
                                                      "pt_BR": module_text("T")}, "02-practice": practice})
    assert problems(root) == ["pilot/modules/01-intro/es.md:3: duration and competences must be the same in every "
                              "language: this file differs from en.md, pt_BR.md in its duration"]


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


def test_two_modules_with_the_same_number(tmp_path):
    """The number sets a module's place (previous / next): two modules cannot share it."""
    texts = {l: module_text("T") for l in ("en", "es", "pt_BR")}
    root = build_tree(tmp_path, modules={"01-intro": texts, "01-practice": texts})
    assert "pilot/modules/01-practice/en.md:1: module number 01 is also used by 01-intro: give each module its " \
           "own number" in problems(root)


@pytest.mark.parametrize("body, line", [
    ("Intro.\n\n![The map](assets/a map.svg)", 11),
    ("Intro.\n\nSee the\n[notes](assets/my notes.pdf \"Notes\") here.", 12),
])
def test_a_link_whose_address_has_a_space_is_not_a_link(tmp_path, body, line):
    """CommonMark reads [text](an address with spaces) as plain text: the reader would show the brackets."""
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    (root / "pilot" / "assets" / "a map.svg").write_text("<svg/>", encoding="utf-8")
    (root / "pilot" / "assets" / "my notes.pdf").write_bytes(b"%PDF-1.4")
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert len(found) == 1 and found[0].startswith(f"pilot/modules/01-intro/en.md:{line}: ") \
        and "is not read as a link" in found[0] and "%20" in found[0], found


def test_links_name_assets_exactly_as_the_course_keeps_them(tmp_path):
    """Names are case-sensitive on the server (a link that works on a Mac may not), and hidden files and editor
    backups are not kept with a version: links to them would break in the reader."""
    body = "Intro.\n\n![a](assets/Map.svg)\n\n![b](assets/.draft.svg)\n\n[c](assets/map.svg~)\n\n![d](assets/./map.svg)"
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    (root / "pilot" / "assets" / ".draft.svg").write_text("<svg/>", encoding="utf-8")
    (root / "pilot" / "assets" / "map.svg~").write_text("<svg/>", encoding="utf-8")
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert "pilot/modules/01-intro/en.md:11: broken link: 'assets/Map.svg' does not exist (names are " \
           "case-sensitive: 'assets/map.svg'?)" in found
    assert any(p.startswith("pilot/modules/01-intro/en.md:13: ") and "'assets/.draft.svg'" in p for p in found)
    assert any(p.startswith("pilot/modules/01-intro/en.md:15: ") and "'assets/map.svg~'" in p for p in found)
    assert len(found) == 3, found  # assets/./map.svg is map.svg


def test_a_link_to_an_asset_whose_name_spells_its_accents_apart_says_so(tmp_path):
    """A file named on a Mac or unpacked from its archive may spell "ó" as "o" and an accent (NFD): the link typed
    as "ó" was told the file does not exist, beside the file listed under the same name."""
    body = "Intro.\n\n![Mapa](assets/regi\u00f3n.svg)"
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    (root / "pilot" / "assets" / "regio\u0301n.svg").write_text("<svg/>", encoding="utf-8")
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == ["pilot/modules/01-intro/en.md:11: broken link: 'assets/regi\u00f3n.svg' does not exist (the "
                     "file's name spells its accents apart, as a Mac may save it: type the file's name again)"]


def test_a_link_to_another_module(tmp_path):
    body = "Intro.\n\nSee [the practice](../02-practice/en.md), [its part](../02-practice/es.md#part) and " \
           "[the folder](../02-practice/)."
    texts = {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}
    root = build_tree(tmp_path, modules={"01-intro": texts,
                                         "02-practice": {l: module_text("P") for l in ("en", "es", "pt_BR")}})
    assert problems(root) == []
    broken = body.replace("02-practice/)", "03-missing/en.md)")
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=broken) for l in ("en", "es", "pt_BR")},
                                         "02-practice": {l: module_text("P") for l in ("en", "es", "pt_BR")}})
    assert "pilot/modules/01-intro/en.md:11: broken link: '../03-missing/en.md': the course has no module " \
           "folder 03-missing" in problems(root)


def test_headings_start_at_level_two(tmp_path):
    """The module's title is the page's only top-level heading; a # heading in the body would lose its heading."""
    body = "Intro.\n\n# A second title\n\nText."
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    assert any(p.startswith("pilot/modules/01-intro/en.md:11: ") and "## " in p for p in problems(root))


def test_in_page_links_name_a_heading_or_a_footnote(tmp_path):
    body = ("Intro[^1], see [the sources](#sources-and-notes) and [nowhere](#nowhere).\n\n"
            "## Sources and notes\n\n[^1]: A note.")
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == ["pilot/modules/01-intro/en.md:9: broken link: '#nowhere' names no heading of the module"]


def test_an_id_the_page_already_holds_is_a_problem(tmp_path):
    """An id written in HTML that a heading also gets ("## Sources" is sources), or that the module's page gives its
    own parts (main, the skip link's target), put two on one page: a link to it reaches only the first."""
    body = ('See [the sources](#sources).\n\n<a id="sources"></a>An anchor.\n\n## Sources\n\n'
            '<h3 id="main">Main points</h3>\n\n<a id="note"></a><a id="note"></a>Text.')
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == [
        'pilot/modules/01-intro/en.md:13: the id "sources" is given twice on the page (also line 11): a link to '
        "#sources reaches only the first, so give the other one another id",
        'pilot/modules/01-intro/en.md:15: the id "main" is one the module\'s page gives its own parts: give it '
        "another",
        'pilot/modules/01-intro/en.md:17: the id "note" is given twice on the page (also line 17): a link to #note '
        "reaches only the first, so give the other one another id"], found


def test_embedded_players_need_a_title_and_images_a_text(tmp_path):
    body = ('Intro.\n\n<iframe src="https://player.vimeo.com/video/1"></iframe>\n\n'
            '<img src="assets/map.svg">\n\n<img src="assets/map.svg" alt="">\n\n![](assets/map.svg)')
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert any(p.startswith("pilot/modules/01-intro/en.md:11: ") and "title" in p for p in found), found
    assert any(p.startswith("pilot/modules/01-intro/en.md:13: ") and "alt" in p for p in found), found
    assert len(found) == 2, found  # alt="" marks a decorative image on purpose


def test_language_files_are_named_exactly(tmp_path):
    """es.md, not ES.md or es-ES.md: a Mac finds ES.md when asked for es.md, the server does not."""
    texts = {"en": module_text("T"), "ES": module_text("T"), "pt_BR": module_text("T"), "fr": module_text("T"),
             "README": "Notes for the authors."}
    root = build_tree(tmp_path, modules={"01-intro": texts})
    found = problems(root)
    assert "pilot/modules/01-intro/ES.md: name the file es.md (file names are case-sensitive)" in found
    assert "pilot/modules/01-intro/fr.md: fr is not a language of the course (en, es, pt_BR)" in found


def test_a_language_file_named_with_a_space_or_new_line_is_named_as_it_should_be(tmp_path):
    texts = {"en": module_text("T"), "es\n": module_text("T"), "pt_BR ": module_text("T")}
    root = build_tree(tmp_path, modules={"01-intro": texts})
    found = problems(root)
    assert "pilot/modules/01-intro/es\n.md: name the file es.md (without spaces or new lines)" in found, found
    assert "pilot/modules/01-intro/pt_BR .md: name the file pt_BR.md (without spaces or new lines)" in found, found
    assert "pilot/course.yaml:8: module intro has no es text: write modules/01-intro/es.md (the course promises es)" \
        in found


def test_a_key_given_twice_is_reported(tmp_path):
    """YAML keeps the last of two equal keys: the first would be lost without a word."""
    front = "---\ntitle: T\nduration: 5\nobjectives: [x]\ntitle: U\n---\nBody\n"
    root = build_tree(tmp_path, modules={"01-intro": {"en": front, "es": module_text("T"), "pt_BR": module_text("T")}})
    assert any(p.startswith("pilot/modules/01-intro/en.md:5: ") and "'title'" in p and "twice" in p
               for p in problems(root)), problems(root)
    root = build_tree(tmp_path, course_yaml=COURSE_YAML + "completion:\n  intro: viewed\n")
    assert any(p.startswith("pilot/course.yaml:12: ") and "twice" in p for p in problems(root)), problems(root)


def test_a_key_given_twice_names_the_line_of_the_first(tmp_path):
    front = "---\ntitle: T\ntitle: U\nduration: 5\nobjectives: [x]\n---\nBody\n"
    root = build_tree(tmp_path, modules={"01-intro": {"en": front, "es": module_text("T"), "pt_BR": module_text("T")}})
    assert "pilot/modules/01-intro/en.md:3: 'title' is given twice (first on line 2): keep one" in problems(root)


@pytest.mark.parametrize("competences, expected", [
    ("competences: B2\n", "en.md:5: competences is a list, one competence a line: - {code: B1, level: 2}"),
    ("competences:\n  code: A1\n  level: 1\n", "en.md:6: competences is a list"),
    ("competences:\n  - {code: A1, level: \"1\"}\n", "en.md:6: the level is a number: write 1 without quotes"),
])
def test_competences_that_are_not_a_list_of_codes_and_levels_say_what_to_write(tmp_path, competences, expected):
    front = f"---\ntitle: T\nduration: 10\nobjectives: [x]\n{competences}---\nBody\n"
    root = build_tree(tmp_path, modules={"01-intro": {"en": front, "es": module_text("T"), "pt_BR": module_text("T")}})
    found = [p for p in problems(root) if "en.md" in p and "must be the same in every language" not in p]
    assert any(expected in p for p in found) and len(found) == 1, found


def test_a_large_asset_is_reported_with_the_other_problems(course_tree, monkeypatch):
    from app.courses import loader

    monkeypatch.setattr(loader, "MAX_ASSET_BYTES", 10)
    (course_tree / "pilot" / "modules" / "01-intro" / "es.md").write_text("no front matter\n", encoding="utf-8")
    found = problems(course_tree)
    assert any("map.svg: the file is larger than" in p for p in found) and any("es.md:1" in p for p in found)


def test_a_module_text_too_long_for_a_page_is_refused(course_tree, monkeypatch):
    from app.courses import loader

    monkeypatch.setattr(loader, "MAX_TEXT_BYTES", 100)
    assert any(p.startswith("pilot/modules/01-intro/en.md: the text is larger than") for p in problems(course_tree))


def test_a_course_file_far_larger_than_any_course_needs_is_refused_before_it_is_read(course_tree, monkeypatch):
    from app import content_files

    monkeypatch.setattr(content_files, "MAX_FILE_BYTES", 200)
    path = course_tree / "pilot" / "course.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# padding\n" * 40, encoding="utf-8")
    assert "pilot/course.yaml: the file is larger than 0 MB, far more than a course, module or framework needs" \
        in problems(course_tree)


def test_a_byte_order_mark_does_not_change_the_content_hash(course_tree):
    """Saving a module in a Windows editor adds a BOM: the course is the same, and syncing it is no change."""
    before = load_tree(course_tree).courses[0].content_hash
    path = course_tree / "pilot" / "modules" / "01-intro" / "es.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    tree = load_tree(course_tree)
    assert tree.problems == [] and tree.courses[0].content_hash == before


def test_line_endings_do_not_change_the_content_hash(course_tree):
    """A checkout with Windows line endings holds the same course: syncing it must not look like a change."""
    before = load_tree(course_tree).courses[0].content_hash
    for path in (course_tree / "pilot").rglob("*"):
        if path.suffix in (".md", ".yaml"):
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    tree = load_tree(course_tree)
    assert tree.problems == [] and tree.courses[0].content_hash == before


def test_what_the_reader_would_drop_is_reported(tmp_path):
    """The sanitiser is the second line: the author learns what it would remove instead of finding it missing."""
    body = ("Intro.\n\n<script>alert(1)</script>\n\n<img src=\"assets/map.svg\" alt=\"m\" onerror=\"alert(1)\">\n\n"
            "[a](javascript:alert(1)) and <a href=\"vbscript:x\">b</a> and [c](ftp://example.org/f)")
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert any(p.startswith("pilot/modules/01-intro/en.md:11: ") and "<script>" in p for p in found), found
    assert any(p.startswith("pilot/modules/01-intro/en.md:13: ") and "onerror" in p for p in found), found
    assert any(p.startswith("pilot/modules/01-intro/en.md:15: ") and "](javascript:alert(1))" in p for p in found)
    assert any(p.startswith("pilot/modules/01-intro/en.md:15: ") and "'vbscript:x'" in p for p in found), found
    assert any(p.startswith("pilot/modules/01-intro/en.md:15: ") and "'ftp://example.org/f'" in p for p in found)
    assert len(found) == 5, found


def test_a_quotations_source_the_reader_removes_is_reported(tmp_path):
    body = ('Intro.\n\n<q cite="javascript:alert(1)">Quoted</q>.\n\n<blockquote cite="assets/map.svg">Said'
            '</blockquote>\n\nKept: <q cite="https://gov.example/report">a quote</q>.')
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == ["pilot/modules/01-intro/en.md:11: the reader removes the quotation's source "
                     "'javascript:alert(1)': a source is an http or https address",
                     "pilot/modules/01-intro/en.md:13: the reader removes the quotation's source 'assets/map.svg': "
                     "a source is an http or https address"], found


def test_a_phrase_in_another_language_must_name_it_as_a_language_tag(tmp_path):
    """lang="pt_BR" (the catalogs' spelling) or lang="English" reached the page as written: not a language tag,
    so no screen reader switched its voice. The author is told at its line; pt-BR, en, es pass."""
    body = ('Intro.\n\nA <cite lang="pt_BR">Título</cite>, <span lang="English">a phrase</span>.\n\n'
            'Kept: <cite lang="pt-BR">Título</cite>, <q lang="en">a quote</q>, <em lang=\'es\'>una frase</em>.')
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == ['pilot/modules/01-intro/en.md:11: lang="pt_BR" is not a language tag: write it as "pt-BR"',
                     'pilot/modules/01-intro/en.md:11: lang="English" is not a language tag: write it as "en", '
                     '"es" or "pt-BR", for instance'], found


def test_elements_the_reader_strips_are_reported(app, tmp_path):
    """An inline SVG drawing, a formula, a form or an embedded object is not shown by the reader (of a form or an
    object only the text inside is; of a drawing or a formula nothing): the author is told so, at its line, once
    for a drawing (not for each of its shapes), instead of finding a blank in the module."""
    body = ('Intro.\n\n<svg width="40"><circle r="4"/><text>Map</text></svg>\n\n'
            '<form action="https://example.org"><input name="q"></form>\n\n<object data="assets/map.svg"></object>\n\n'
            '<math><mi>x</mi></math> formula.\n\n'
            'Kept: <abbr title="Smart specialisation">S3</abbr>, <cite lang="en">A Title</cite>, <sup>1</sup>.\n\n'
            'After them.')
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == ["pilot/modules/01-intro/en.md:11: the reader removes <svg> and what it holds",
                     "pilot/modules/01-intro/en.md:13: the reader removes <form> and shows only the text inside it",
                     "pilot/modules/01-intro/en.md:13: the reader removes <input> and shows only the text inside it",
                     "pilot/modules/01-intro/en.md:15: the reader removes <object> and shows only the text inside it",
                     "pilot/modules/01-intro/en.md:17: the reader removes <math> and what it holds"], found
    with app.test_request_context():
        html = render.to_html(body, lambda path: path)
    assert "Map" not in html and "<mi" not in html and ">x<" not in html and "After them" in html


def test_what_follows_a_drawing_left_open_is_still_checked(app, tmp_path):
    """A drawing or formula left open ends where its paragraph does (the reader shows what follows): a link or an
    image after it is checked as any other, and one inside it is not (the reader drops it with the drawing)."""
    body = ('Intro <svg><circle r="4"/> <a href="../98-gone/en.md">in it</a>\n\n'
            'Then <a href="../99-nowhere/en.md">after it</a> and <math><mi>x</mi> ![b](assets/no.png)\n\n'
            '![a](assets/missing.png)')
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found[0] == "pilot/modules/01-intro/en.md:9: the reader removes <svg> and what it holds", found
    assert "98-gone" not in "\n".join(found) and "no.png" not in "\n".join(found), found
    assert any(":11: " in p and "99-nowhere" in p for p in found), found
    assert any(":11: the reader removes <math>" in p for p in found), found
    assert any(":13: " in p and "missing.png" in p for p in found), found
    with app.test_request_context():
        html = render.to_html(body, lambda path: path)
    assert "in it" not in html and "after it" in html and "missing.png" in html


def test_a_template_the_reader_drops_whole_is_said_to_be_dropped_whole(app, tmp_path):
    """What a <template> holds is never shown (nor by the reader): the author was told its text would show."""
    body = "Intro.\n\n<template><p>Kept for later.</p></template>\n\nAfter it."
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == ["pilot/modules/01-intro/en.md:11: the reader removes <template> and what it holds"]
    with app.test_request_context():
        assert "Kept for later" not in render.to_html(body, lambda path: path)


def test_html_in_a_comment_is_not_reported(app, tmp_path):
    """A comment is dropped whole by the reader, what it holds included: a drawing or a form an author has
    commented out for later is no problem (it showed nothing, and the course was refused for it)."""
    body = ('Intro.\n\n<!-- a drawing for later: <svg width="40"><circle r="4"/></svg> -->\n\n'
            'Text <!-- <form action="x"><script>x</script> <a href="../99-nowhere/en.md">y</a> --> here.\n\n'
            '<!-- one\n<object data="assets/map.svg"></object>\n-->\n\n<svg></svg> after them.')
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == ["pilot/modules/01-intro/en.md:19: the reader removes <svg> and what it holds"]
    with app.test_request_context():
        html = render.to_html(body, lambda path: path)
    assert "svg" not in html.split("after")[0] and "form" not in html and "object" not in html


@pytest.mark.parametrize("opening, expected", [
    ('<iframe src="https://www.youtube-nocookie.com/embed/x" title="A video">',
     "the <iframe> is not closed: write </iframe> after it (the reader shows nothing of the module after it)"),
    ('Watch <iframe src="https://player.vimeo.com/video/1" title="A video"> here.',
     "the <iframe> is not closed: write </iframe> after it (the reader shows nothing of the module after it)"),
    ("<!-- a note for later",
     "the comment <!-- is not closed: write --> after it (the reader shows nothing of the module after it)"),
])
def test_an_element_left_open_that_hides_the_rest_of_the_module_is_reported(app, tmp_path, opening, expected):
    """A player or a comment without its end takes every line after it: the reader showed the module cut short,
    its last sections gone, and the course was published without a word."""
    body = f"Intro.\n\n{opening}\n\nThe rest of the module.\n\n## Sources\n\nA list."
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == [f"pilot/modules/01-intro/en.md:11: {expected}"]
    with app.test_request_context():  # what the reader would show: nothing after it
        assert "The rest of the module" not in render.to_html(body, lambda path: path)
    closed = body.replace(" here.", "</iframe> here.").replace("A video\">\n", "A video\"></iframe>\n").replace(
        "for later", "for later -->")
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=closed) for l in ("en", "es", "pt_BR")}})
    assert [p for p in problems(root) if "01-intro" in p] == []


def test_an_answer_left_open_that_folds_the_rest_of_the_module_away_is_reported(app, tmp_path):
    """<details> without </details> (an exercise's answer, folded): every section after it was folded into the
    answer, out of sight until a reader opened it."""
    body = ("Intro.\n\n<details><summary>Answer</summary>\n\nIt is 42.\n\n<details><summary>Why</summary>\n\n"
            "Because.\n\n</details>\n\n## Next part\n\nMore text.")
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == ["pilot/modules/01-intro/en.md:11: the <details> is not closed: write </details> where it "
                     "ends (the reader folds the rest of the module into it)"]
    with app.test_request_context():
        html = render.to_html(body, lambda path: path)
    assert html.endswith("<p>More text.</p>\n</details>") and html.count("</details>") == 2
    closed = body.replace("## Next", "</details>\n\n## Next")
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=closed) for l in ("en", "es", "pt_BR")}})
    assert [p for p in problems(root) if "01-intro" in p] == []


@pytest.mark.parametrize("body, container", [
    ("Intro.\n\n- <details><summary>Answer</summary>\n\n  It is 42.\n- Next item\n\n## Next part\n\nMore text.",
     "list item"),
    ("Intro.\n\n> <details><summary>Answer</summary>\n>\n> It is 42.\n\n## Next part\n\nMore text.", "quotation"),
])
def test_an_answer_left_open_in_a_list_item_or_quotation_is_said_to_end_with_it(app, tmp_path, body, container):
    """The reader ends a <details> left open where the list item or quotation holding it ends: validation said it
    folded the rest of the module into it, which the author then looked for in vain."""
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == ["pilot/modules/01-intro/en.md:11: the <details> is not closed: write </details> where it "
                     f"ends (the reader ends it where its {container} ends)"]
    with app.test_request_context():
        html = render.to_html(body, lambda path: path)
    assert html.index("</details>") < html.index("Next part") and html.count("</details>") == 1


@pytest.mark.parametrize("body, line", [
    ('Intro.\n\n<script>\ndocument.write(\'<iframe src="https://www.youtube-nocookie.com/embed/x">\');\n</script>\n\n'
     "The rest of the module.", 11),
    ('Intro <script>var player = "<iframe>";</script> here.\n\nThe rest of the module.', 9),
])
def test_a_player_written_inside_a_script_is_not_reported_besides_the_script(app, tmp_path, body, line):
    """What a <script> holds is its text, which the reader drops with it: an <iframe> written there was reported
    as a player left open (and without a title) on top of the script, one problem told three times."""
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == [f"pilot/modules/01-intro/en.md:{line}: the reader removes <script> and what it holds"]
    with app.test_request_context():
        assert "The rest of the module." in render.to_html(body, lambda path: path)


def test_a_player_closed_further_down_is_no_problem(tmp_path):
    body = ('Intro.\n\n<iframe src="https://www.youtube-nocookie.com/embed/x" title="A video">\n\nNo player?\n\n'
            "</iframe>\n\nThe rest.")
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    assert [p for p in problems(root) if "01-intro" in p] == []


@pytest.mark.parametrize("old, new, expected", [
    # YAML reads .inf, and any number beyond about 1.8e308, as infinity: the catalogue could not round it
    ("estimated_hours: 2", "estimated_hours: .inf", "7: estimated_hours is at most 1000: split a longer course"),
    ("estimated_hours: 2", "estimated_hours: 1.0e+309", "7: estimated_hours is at most 1000"),
    ("estimated_hours: 2", "estimated_hours: 1001", "7: estimated_hours is at most 1000"),
    ("estimated_hours: 2", "estimated_hours: .nan", "7: estimated_hours is a positive number"),
    ("estimated_hours: 2", "estimated_hours: true", "7: estimated_hours is a positive number"),
    ("estimated_hours: 2", "estimated_hours: [2]", "7: estimated_hours is a positive number"),
    ("estimated_hours: 2", 'estimated_hours: "2"', "7: estimated_hours is a positive number: write 2 without quotes"),
    # the decimal comma of Spanish and Portuguese: YAML reads 1,5 as a text
    ("estimated_hours: 2", "estimated_hours: 1,5", "7: estimated_hours is a positive number: write 1.5, with a point"),
    ("estimated_hours: 2", 'estimated_hours: "2,25"', "7: estimated_hours is a positive number: write 2.25, with a "
                                                     "point"),
    # YAML 1.1 reads 1:30 in base 60 (90), 010 in octal (8), 0x10 in hexadecimal: never what the author meant
    ("estimated_hours: 2", "estimated_hours: 1:30", "7: 1:30 is read as the number 90 (in base 60): write it in "
                                                    "plain digits, such as 1.5"),
    ("version: 1", "version: 010", "2: 010 is read as the number 8 (in base 8): write it in plain digits"),
    ("version: 1", "version: 0x10", "2: 0x10 is read as the number 16 (in base 16): write it in plain digits"),
    ("version: 1", "version: 0b11", "2: 0b11 is read as the number 3 (in base 2): write it in plain digits"),
    # kept in an INTEGER column: 32 bits on PostgreSQL
    ("version: 1", "version: 99999999999999999999999", "2: version is at most 2147483647"),
    ("version: 1", "version: 2147483648", "2: version is at most 2147483647"),
    ("version: 1", "version: 0", "2: version must be a whole number from 1"),
    ("estimated_hours: 2", "estimated_hours: 1000.5", "7: estimated_hours is at most 1000"),
    ("estimated_hours: 2", "estimated_hours: 0", "7: estimated_hours is a positive number"),
    ("version: 1", "version: true", "2: version must be a whole number from 1"),
    ("version: 1", "version: {major: 1}", "2: version must be a whole number from 1"),
    ("version: 1", 'version: "1"', "2: version must be a whole number from 1: write 1 without quotes"),
    ("framework: demo", "framework: [demo]", "3: framework is the slug of a framework file, such as s3"),
    ("framework: demo", "framework: {a: 1}", "3: framework is the slug of a framework file"),
    ("framework: demo", "framework: 3", "3: framework is the slug of a framework file"),
    ("framework: demo", "framework: Demo", "3: unknown framework 'Demo' (no courses/_frameworks/Demo.yaml)"),
    ("framework: demo", "framework: ''", "3: framework is the slug of a framework file"),
    ("[technician, manager]", "[[technician]]", "6: audience lists technician and/or manager"),
    ("[technician, manager]", "{technician: 1}", "6: audience lists technician and/or manager"),
    ("[technician, manager]", "technician", "6: audience lists technician and/or manager"),
    ("[en, es, pt_BR]", "[en, [es]]", "8: locales lists en and any of es, pt_BR"),
    ("[en, es, pt_BR]", "[en, {es: 1}]", "8: locales lists en and any of es, pt_BR"),
    ("[en, es, pt_BR]", "en", "8: locales lists en and any of es, pt_BR"),
    ("title: {en: Pilot course,", "title: {en: [Pilot course],", "4: title is missing its en text"),
    # a title is a heading and a line of the catalogue (and of a certificate): as long as a framework's, at most
    ("title: {en: Pilot course,", "title: {en: " + "Pilot course " * 16 + ",", "4: title is longer than 200 "
                                                                             "characters (en)"),
    ("summary: {en: A short course,", "summary: {en: " + "A short course " * 300 + ",",
     "5: summary is longer than 4000 characters (en)"),
    # a title YAML reads as yes/no, a number or a date was said to be missing
    ("title: {en: Pilot course,", "title: {en: Yes,",
     '4: title is missing its en text (YAML reads Yes as yes or no: write it in quotes, "Yes")'),
    ("es: Curso piloto, pt_BR: Curso piloto}", "es: 2030, pt_BR: Curso piloto}",
     '4: title is missing its es text (YAML reads 2030 as a number: write it in quotes, "2030")'),
    ("title: {en: Pilot course, es: Curso piloto, pt_BR: Curso piloto}", "title: [Pilot course]",
     "4: title must give a text for each of en, es, pt_BR"),
    ("  practice: viewed\n", "  practice: [viewed]\n", "11: unknown completion rule ['viewed']"),
    ("completion:\n  intro: viewed\n  practice: viewed\n", "completion: [intro, practice]\n",
     "9: completion maps module slugs to a rule"),
])
def test_a_course_yaml_value_of_the_wrong_kind_is_a_problem_with_its_line(tmp_path, old, new, expected):
    """A list where a word is expected, a mapping where a list is, a number too large for the database or the
    page: each is told with file and line, never a traceback, and nothing is loaded."""
    assert old in COURSE_YAML
    tree = load_tree(build_tree(tmp_path, course_yaml=COURSE_YAML.replace(old, new)))
    found = [str(p) for p in tree.problems]
    assert f"pilot/course.yaml:{expected}" in "\n".join(found) and tree.courses == [], found


@pytest.mark.parametrize("old, new, expected", [
    ("duration: 10", "duration: 99999999999999999999", "3: duration is at most 60000 minutes (1000 hours)"),
    ("duration: 10", "duration: 60001", "3: duration is at most 60000 minutes"),
    ("duration: 10", "duration: 1:30", "3: 1:30 is read as the number 90 (in base 60): write it in plain digits"),
    ("duration: 10", "duration: 012", "3: 012 is read as the number 10 (in base 8): write it in plain digits"),
    ("duration: 10", "duration: 0", "3: duration is the time to work through the module, in whole minutes"),
    ("duration: 10", "duration: [10]", "3: duration is the time to work through the module, in whole minutes"),
    ("duration: 10", "duration: {minutes: 10}", "3: duration is the time to work through the module"),
    ("duration: 10", "duration: true", "3: duration is the time to work through the module"),
    ("duration: 10", "duration: .inf", "3: duration is the time to work through the module"),
    ("duration: 10", 'duration: "10"', "3: duration is the time to work through the module, in whole minutes: "
                                      "write 10 without quotes"),
    ("title: T", "title: [T]", "2: the front matter needs a title"),
    ("title: T", "title: " + "T" * 201, "2: the title is longer than 200 characters"),
    ("title: T", "title: 2030", '2: the front matter needs a title (YAML reads 2030 as a number: write it in '
                                'quotes, "2030")'),
    ("title: T", "title: No", '2: the front matter needs a title (YAML reads No as yes or no: write it in quotes, '
                              '"No")'),
    ("objectives:\n  - Explain the idea\n", "objectives:\n  - 2024-05-01\n",
     '5: objectives is a list of at least one learning objective (YAML reads 2024-05-01 as a date: write it in '
     'quotes, "2024-05-01")'),
    ("objectives:\n  - Explain the idea\n", "objectives: {a: b}\n", "4: objectives is a list"),
    ("objectives:\n  - Explain the idea\n", "objectives: [[a]]\n", "4: objectives is a list"),
    ("  - {code: A1, level: 1}\n", "  - [A1, 1]\n", "7: each competence is {code: B1, level: 2}"),
    ("  - {code: A1, level: 1}\n", "  - {code: [A1], level: 1}\n", "7: each competence is {code: B1, level: 2}"),
    ("  - {code: A1, level: 1}\n", "  - {code: A1, level: true}\n", "7: each competence is {code: B1, level: 2}"),
    ("  - {code: A1, level: 1}\n", "  - {code: A1, level: 99999999999999999999}\n",
     "7: level 99999999999999999999 of A1 is outside the scale 1-3"),
    ("  - {code: A1, level: 1}\n", "  - {code: A1, level: 0b10}\n", "7: 0b10 is read as the number 2 (in base 2)"),
])
def test_a_front_matter_value_of_the_wrong_kind_is_a_problem_with_its_line(tmp_path, old, new, expected):
    """The same mistake in every language (a translation copies it): one problem per file, no traceback."""
    text = module_text("T")
    assert old in text
    texts = {locale: text.replace(old, new) for locale in ("en", "es", "pt_BR")}
    tree = load_tree(build_tree(tmp_path, modules={"01-intro": texts, "02-practice": {
        locale: module_text("P") for locale in ("en", "es", "pt_BR")}}))
    found = [str(p) for p in tree.problems]
    for locale in ("en", "es", "pt_BR"):
        assert f"pilot/modules/01-intro/{locale}.md:{expected}" in "\n".join(found) and tree.courses == [], found


def test_a_duration_of_the_wrong_kind_in_one_language(tmp_path):
    texts = {locale: module_text("T") for locale in ("en", "es", "pt_BR")}
    texts["es"] = texts["es"].replace("duration: 10", "duration: [10]")
    found = problems(build_tree(tmp_path, modules={"01-intro": texts}))
    assert "pilot/modules/01-intro/es.md:3: duration is the time to work through the module, in whole minutes" \
        in found


def test_the_largest_numbers_allowed_are_loaded(tmp_path):
    course_yaml = COURSE_YAML.replace("version: 1", "version: 2147483647").replace("estimated_hours: 2",
                                                                                   "estimated_hours: 1000")
    texts = {locale: module_text("T", duration=60000) for locale in ("en", "es", "pt_BR")}
    tree = load_tree(build_tree(tmp_path, course_yaml=course_yaml.replace("  practice: viewed\n", ""),
                                modules={"01-intro": texts}))
    assert tree.problems == []
    [course] = tree.courses
    assert (course.version, course.estimated_hours, course.modules[0].duration) == (2147483647, 1000.0, 60000)


def test_a_framework_whose_slug_is_not_its_file_name(course_tree):
    """Courses name a framework by its file: the file is the one told, with the line of its slug."""
    path = course_tree / "_frameworks" / "demo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("slug: demo", "slug: other", 1), encoding="utf-8")
    tree = load_tree(course_tree)
    assert [str(p) for p in tree.problems] == [
        "_frameworks/demo.yaml:1: slug 'other' differs from the file name 'demo.yaml': rename one or the other",
        "pilot/course.yaml:3: framework 'demo' cannot be read until the problems of _frameworks/demo.yaml are "
        "mended: the modules' competences are not checked"]
    assert tree.frameworks == {}


def test_a_folder_named_like_a_framework_file(course_tree):
    (course_tree / "_frameworks" / "sub.yaml").mkdir()
    assert problems(course_tree) == ["_frameworks/sub.yaml: a folder, not a framework file: frameworks are files "
                                     "_frameworks/<slug>.yaml"]


def test_a_file_that_cannot_be_read(course_tree, monkeypatch):
    from pathlib import Path

    read_bytes = Path.read_bytes

    def refuse(path):
        if path.name == "es.md" and path.parent.name == "01-intro":
            raise PermissionError(13, "Permission denied")
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert "pilot/modules/01-intro/es.md: the file cannot be read: Permission denied" in problems(course_tree)


def test_an_asset_path_too_long_for_the_catalogue(course_tree):
    folder = course_tree / "pilot" / "assets" / ("a" * 200)
    folder.mkdir()
    (folder / ("b" * 120 + ".svg")).write_text("<svg/>", encoding="utf-8")
    assert any(p.startswith(f"pilot/assets/{'a' * 200}/") and "longer than 300 characters" in p
               for p in problems(course_tree))


def test_links_that_lead_to_each_other_in_a_circle_are_reported(course_tree):
    assets = course_tree / "pilot" / "assets"
    (assets / "one.png").symlink_to(assets / "two.png")
    (assets / "two.png").symlink_to(assets / "one.png")
    assert problems(course_tree) == [
        f"pilot/assets/{name}: a link that leads back to itself through other links: remove it"
        for name in ("one.png", "two.png")]


def test_names_that_are_not_utf8_are_reported_not_a_traceback(course_tree, runner, app):
    import os

    (course_tree / "pilot" / "assets" / os.fsdecode(b"caf\xe9.png")).write_bytes(b"\x89PNG")
    folder = course_tree / "pilot" / "assets" / os.fsdecode(b"fotos-\xe1")
    folder.mkdir()
    (folder / os.fsdecode(b"\xf1.png")).write_bytes(b"\x89PNG")  # named once, with its folder
    (course_tree / "_frameworks" / os.fsdecode(b"m\xe9todo.yaml")).write_text("slug: x\n", encoding="utf-8")
    expected = ["_frameworks/m\\xe9todo.yaml: the name is not UTF-8 text: rename it",
                "pilot/assets/caf\\xe9.png: the name is not UTF-8 text: rename it (letters with accents are fine "
                "once saved as UTF-8)",
                "pilot/assets/fotos-\\xe1: the name is not UTF-8 text: rename it (letters with accents are fine "
                "once saved as UTF-8)"]
    assert problems(course_tree) == expected
    app.config["COURSES_DIR"] = str(course_tree)
    result = runner.invoke(args=["courses", "validate"])
    assert result.exit_code == 1 and all(line in result.output.splitlines() for line in expected)


@pytest.mark.parametrize("yaml_text, expected", [
    ("completion: " + "[" * 3000 + "]" * 3000 + "\n",
     "pilot/course.yaml:12: lists and mappings are nested more than 40 levels deep here: a content file needs only "
     "a few"),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
     "pilot/course.yaml:16: the aliases (*name) expand to more than 100,000 values by this line: write the values "
     "out instead"),
    ("loop: &loop [*loop]\n",
     "pilot/course.yaml:12: the alias *loop is inside the value it names, which would never end: write the values "
     "out instead"),
    ("note: 'a\x07b'\n",
     "pilot/course.yaml:12: malformed YAML: the invisible control character U+0007 is not allowed (pasted from "
     "another program?): delete it"),
])
def test_yaml_that_would_exhaust_the_loader_is_a_problem_with_its_line(course_tree, yaml_text, expected):
    """Deep nesting raised a RecursionError, a "billion laughs" of aliases took minutes and gigabytes, and a
    control character was reported without a line."""
    course_yaml = course_tree / "pilot" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8") + yaml_text, encoding="utf-8")
    assert expected in problems(course_tree)


@pytest.mark.parametrize("escaped, code", [("\\ud800", "D800"), ("\\ude00", "DE00"), ("\\0", "0000"),
                                            ("\\x07", "0007"), ("\\e", "001B"), ("\\x9b", "009B")])
def test_an_escape_for_a_character_that_is_not_text_is_a_problem_with_its_line(course_tree, escaped, code):
    """Written as an escape in a quoted text, a control character or half of a \\u pair got through: half a
    pair cannot be sent in a page, and the catalogue failed for every reader (an error page)."""
    course_yaml = course_tree / "pilot" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace(
        "title: {en: Pilot course,", f'title: {{en: "Pilot {escaped} course",'), encoding="utf-8")
    assert problems(course_tree) == [
        f"pilot/course.yaml:4: the escape in this quoted text stands for U+{code}, an invisible character that is "
        f"not allowed (a control character, or half of a \\u pair): delete it"]


def test_a_control_character_in_a_module_text_names_its_line(tmp_path):
    """The front matter's control characters were reported, the text's went to the readers' pages (a vertical tab
    pasted from a word processor, a NUL)."""
    body = "First line.\n\nA line\x0bbroken by a word processor.\n\nA \x00 and a \x1b.\n"
    root = build_tree(tmp_path, modules={"01-intro": {locale: module_text("Intro", body=body)
                                                      for locale in ("en", "es", "pt_BR")}},
                      course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""))
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == [
        "pilot/modules/01-intro/en.md:11: the invisible control character U+000B is not allowed (pasted from "
        "another program?): delete it",
        "pilot/modules/01-intro/en.md:13: the invisible control character U+0000 is not allowed (pasted from "
        "another program?): delete it"]


def test_a_character_written_as_a_pair_of_escapes_is_that_character(course_tree):
    """JSON, which YAML reads, writes a character beyond U+FFFF as two \\u escapes (json.dumps does)."""
    course_yaml = course_tree / "pilot" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace(
        "title: {en: Pilot course,", 'title: {en: "Pilot \\ud83c\\udf0e course",'), encoding="utf-8")
    tree = load_tree(course_tree)
    assert tree.problems == []
    assert tree.courses[0].title["en"] == "Pilot \U0001f30e course"


def test_a_control_character_in_front_matter_names_the_line_of_the_file(tmp_path):
    root = build_tree(tmp_path, modules={"01-intro": {locale: module_text("Intro\x00duction")
                                                      for locale in ("en", "es", "pt_BR")}},
                      course_yaml=COURSE_YAML.replace("  practice: viewed\n", ""))
    assert ("pilot/modules/01-intro/en.md:2: malformed YAML: the invisible control character U+0000 is not allowed "
            "(pasted from another program?): delete it") in problems(root)


@pytest.mark.parametrize("body", ["![map](//cdn.example/map.png)", '<img src="/\\cdn.example/map.png" alt="map">',
                                  "[the report](//gov.example/report.pdf)", '<a href="\\\\share\\report">report</a>'])
def test_an_address_that_names_another_host_without_a_scheme_is_reported(tmp_path, body):
    """//host/x was taken for a page of the site; the reader removes it (see test_reader)."""
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body="Intro.\n\n" + body)
                                                      for l in ("en", "es", "pt_BR")}})
    found = problems(root)
    assert any(p.startswith("pilot/modules/01-intro/en.md:11: the reader removes the address")
               and "write it in full, with https://" in p for p in found), found


@pytest.mark.parametrize("body, expected", [
    ("![the map](/images/map.svg)", "the image '/images/map.svg' is not in the course: put it in the course's "
                                    "assets/ folder and write assets/map.svg"),
    ('<img src="/map.svg" alt="the map">', "the image '/map.svg' is not in the course: put it in the course's "
                                           "assets/ folder and write assets/map.svg"),
    ("![the map]()", "the image has no address: write the name of a file of the course's assets/ folder, "
                     "such as assets/map.png"),
    ('<img src="" alt="the map">', "the image has no address: write the name of a file of the course's assets/ "
                                   "folder, such as assets/map.png"),
])
def test_an_image_named_by_an_address_of_the_site_or_by_none_is_reported(tmp_path, body, expected):
    """An image written as a path from the top (/images/map.svg) or with no address was passed as a page of the
    site: the reader showed a broken image (the site has no such file, and the copy read offline none at all)."""
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body="Intro.\n\n" + body)
                                                      for l in ("en", "es", "pt_BR")}})
    assert f"pilot/modules/01-intro/en.md:11: {expected}" in problems(root)
    # a link to a page of the site, and to the page itself, stay fine
    body = "Intro.\n\nSee [the catalogue](/courses/) and [this page]()."
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    assert [p for p in problems(root) if "01-intro" in p] == []


def test_a_course_develops_the_highest_level_any_module_gives(tmp_path):
    """CONTRACTS.md: a course develops the highest level any of its modules gives, per competence, whichever
    module comes first."""
    first = {l: module_text("T", competences="  - {code: A1, level: 3}\n  - {code: B1, level: 1}\n")
             for l in ("en", "es", "pt_BR")}
    second = {l: module_text("P", competences="  - {code: A1, level: 1}\n  - {code: B1, level: 2}\n")
              for l in ("en", "es", "pt_BR")}
    tree = load_tree(build_tree(tmp_path, modules={"01-intro": first, "02-practice": second}))
    assert tree.problems == []
    assert tree.courses[0].competences() == {"A1": 3, "B1": 2}


def test_on_a_tie_between_two_languages_english_decides(tmp_path):
    """A course in en and es whose two texts give different durations: the Spanish file is the one told."""
    course_yaml = COURSE_YAML.replace("[en, es, pt_BR]", "[en, es]").replace("  practice: viewed\n", "")
    root = build_tree(tmp_path, course_yaml=course_yaml,
                      modules={"01-intro": {"en": module_text("T"), "es": module_text("T", duration=12)}})
    assert problems(root) == ["pilot/modules/01-intro/es.md:3: duration and competences must be the same in every "
                              "language: this file differs from en.md in its duration"]


def test_competences_need_a_framework_named_by_the_course(tmp_path):
    """Said once for the course, at the first text naming competences, not for each language of each module
    (six times here, 12 for a course of four modules): one missing line of course.yaml is one problem."""
    root = build_tree(tmp_path, course_yaml=COURSE_YAML.replace("framework: demo\n", ""))
    found = problems(root)
    assert found == ["pilot/modules/01-intro/en.md:7: the module names competences but the course names no "
                     "framework: name it in course.yaml (framework: <slug>), for every module"]
    assert load_tree(root).courses == []


@pytest.mark.parametrize("old, new, expected", [
    ("[technician, manager]", "[technician, manager, technician]",
     "6: audience lists technician twice: list it once"),
    ("audience: [technician, manager]", "audience:\n  - manager\n  - technician\n  - manager",
     "9: audience lists manager twice (also line 7): list it once"),
    ("[en, es, pt_BR]", "[en, es, pt_BR, es]", "8: locales lists es twice: list it once"),
])
def test_a_value_listed_twice_in_audience_or_locales_is_a_problem_with_its_line(tmp_path, old, new, expected):
    """The loader quietly kept one of two equal entries: the file kept saying something else than the course,
    and the author who meant another value (manager for a second technician) was never told."""
    root = build_tree(tmp_path, course_yaml=COURSE_YAML.replace(old, new))
    assert problems(root) == [f"pilot/course.yaml:{expected}"]


def test_the_audience_is_kept_in_one_order(tmp_path):
    course_yaml = COURSE_YAML.replace("[technician, manager]", "[manager, technician]")
    [course] = load_tree(build_tree(tmp_path, course_yaml=course_yaml)).courses
    assert course.audience == ("technician", "manager")


def test_the_largest_asset_path_and_sizes_allowed_are_loaded(course_tree, monkeypatch):
    """At the limits exactly, nothing is refused: a path of 300 characters inside assets/, an asset and a module
    text of the largest size allowed."""
    from app.courses import loader

    folder = course_tree / "pilot" / "assets" / ("a" * 200)
    folder.mkdir()
    (folder / ("b" * (300 - 201 - 4) + ".svg")).write_text("<svg/>", encoding="utf-8")
    text = course_tree / "pilot" / "modules" / "01-intro" / "en.md"
    monkeypatch.setattr(loader, "MAX_ASSET_BYTES", (course_tree / "pilot" / "assets" / "map.svg").stat().st_size)
    monkeypatch.setattr(loader, "MAX_TEXT_BYTES", max(p.stat().st_size for p in course_tree.rglob("*.md")))
    text = max(course_tree.rglob("*.md"), key=lambda p: p.stat().st_size)
    tree = load_tree(course_tree)
    assert tree.problems == [] and len(max(tree.courses[0].assets, key=len)) == len("assets/") + 300
    (folder / ("b" * (300 - 201 - 4) + "c.svg")).write_text("<svg/>", encoding="utf-8")
    text.write_text(text.read_text(encoding="utf-8") + "x", encoding="utf-8")
    asset = course_tree / "pilot" / "assets" / "map.svg"
    asset.write_bytes(asset.read_bytes() + b" ")  # each one byte over
    found = problems(course_tree)
    assert any("longer than 300 characters" in p for p in found)
    assert any(p.startswith(f"{text.relative_to(course_tree)}: the text is larger than") for p in found)
    assert any(p.startswith("pilot/assets/map.svg: the file is larger than") for p in found)


def test_a_slug_or_module_folder_ending_in_a_new_line_is_refused(course_tree):
    """A regular expression's "$" also matches before a final new line: "pilot\\n" is not a slug."""
    import shutil

    shutil.move(course_tree / "pilot", course_tree / "pilot\n")
    yaml_path = course_tree / "pilot\n" / "course.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("slug: pilot", 'slug: "pilot\\n"'),
                         encoding="utf-8")
    modules = course_tree / "pilot\n" / "modules"
    first = sorted(modules.iterdir())[0]
    shutil.move(first, modules / (first.name + "\n"))
    found = problems(course_tree)
    assert "pilot\n/course.yaml:1: slug must be lower-case letters, digits and hyphens" in found, found
    assert "pilot\n/modules/01-intro\n: module folders are named <nn>-<slug>, such as 01-four-cs" in found, found


@pytest.mark.parametrize("body, tag, line", [
    ('Intro.\n\n<textarea>\n<details id="answer"><iframe src="x">\n</textarea>\n\nThe rest of the module.',
     "textarea", 11),
    ('Intro <title><details id="answer"> <a href="../99-nowhere/en.md">y</a></title> here.\n\nThe rest.', "title", 9),
    ('Intro <TEXTAREA><!-- not a comment</textarea > here.\n\nThe rest.', "textarea", 9),
])
def test_markup_written_inside_a_textarea_or_title_is_its_text(app, tmp_path, body, tag, line):
    """HTML reads what a <textarea> or <title> holds as text up to its end tag, and the reader shows it as text:
    tags written there were reported as parts left open, ids and links besides the element itself."""
    root = build_tree(tmp_path, modules={"01-intro": {l: module_text("T", body=body) for l in ("en", "es", "pt_BR")}})
    found = [p for p in problems(root) if p.startswith("pilot/modules/01-intro/en.md")]
    assert found == [f"pilot/modules/01-intro/en.md:{line}: the reader removes <{tag}> and shows only the text inside "
                     "it"]
    with app.test_request_context():
        html = render.to_html(body, lambda path: path)
    assert "<details" not in html and "<iframe" not in html and "<a " not in html and "The rest" in html
    assert "&lt;details" in html or "&lt;!--" in html
