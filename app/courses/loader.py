"""Course content as files (CONTRACTS.md, "Content files"): read a ``courses/`` tree into frozen dataclasses,
reporting every problem with file and line.

    courses/<course>/course.yaml                         slug, version, title, summary, audience, hours, ...
    courses/<course>/modules/<nn>-<module>/<locale>.md   YAML front matter + Markdown body
    courses/<course>/assets/                             images and files the modules link to
    courses/_frameworks/<framework>.yaml                 competence frameworks (app.competences.files)

Folders whose name starts with "_" are not courses."""
import hashlib
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from types import MappingProxyType
from urllib.parse import parse_qs, quote, unquote, urlsplit

from yaml.reader import Reader

from app.competences.files import (TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, FrameworkData, FrameworkFileError,
                                   read_yaml as read_framework)
from app.content_files import (LOCALES_REQUIRED, Located, Problem, YamlProblem, front_matter, load_file, read_text,
                               translated)
from app.courses.render import (ATTRIBUTES, MD, PAGE_IDS, TAGS, VIDEO_HOSTS, asset_name, module_link, other_host,
                                player_for, video_allowed, web_address)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}\Z")
MODULE_DIR = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]{0,79})\Z")
COMPLETION_RULES = ("viewed", "quiz", "assignment", "workshop")
AUDIENCES = ("technician", "manager")
HTML_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>")
HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)  # the reader drops a comment whole, tags and text alike
HTML_SOURCE = re.compile(r"""\b(src|href|id|cite)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)
HTML_ATTRIBUTE = re.compile(r"""([a-zA-Z_:][-\w:.]*)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?""")
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(?:[_-][a-zA-Z]{2,4})?\Z")  # es, ES, pt-BR, pt_br, en_GB
HTML_LANG = re.compile(r"""(?<![-\w:])lang\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)
BCP47 = re.compile(r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*")  # what lang="" holds: en, es, pt-BR (never pt_BR)
MAX_ASSET_BYTES = 20 * 1024 * 1024  # each asset is kept in the database with every version that carries it
# a module's text in one language: about 150,000 words, a hundred times the longest module of the curriculum (a
# longer page would take seconds to render and to reach a phone)
MAX_TEXT_BYTES = 1024 * 1024
MAX_VERSION = 2**31 - 1  # the database's INTEGER (32 bits on PostgreSQL)
MAX_HOURS = 1000  # a course longer than that is several courses (an itinerary)
MAX_MINUTES = 60 * MAX_HOURS  # a module takes at most as long as a course
MAX_ASSET_PATH = 300  # CourseAsset.path, inside assets/
NON_PRINTABLE = Reader.NON_PRINTABLE  # what YAML refuses in a file: control characters but tab and line breaks


def highest_levels(modules) -> dict[str, int]:
    """Per competence code, the highest level any of ``modules`` gives (CONTRACTS.md: what a course develops)."""
    levels: dict[str, int] = {}
    for module in modules:
        for code, level in module.competences:
            levels[code] = max(levels.get(code, 0), level)
    return levels


@dataclass(frozen=True)
class ModuleText:
    locale: str
    title: str
    objectives: tuple[str, ...]
    body: str  # Markdown
    file: str


@dataclass(frozen=True)
class ModuleContent:
    slug: str
    position: int
    duration: int  # minutes
    competences: tuple[tuple[str, int], ...]  # (code, level)
    completion: str | None  # the rule, or None for optional reading
    texts: dict  # locale -> ModuleText


@dataclass(frozen=True)
class CourseContent:
    slug: str
    version: int
    framework: str | None
    title: dict
    summary: dict
    audience: tuple[str, ...]
    estimated_hours: float
    locales: tuple[str, ...]
    modules: tuple[ModuleContent, ...]
    assets: tuple[str, ...]  # paths relative to the course folder
    content_hash: str
    path: str
    directory: Path = field(compare=False)  # where the files were read, for their assets
    lines: dict = field(default_factory=dict, compare=False)  # course.yaml's line of "version" and "framework"

    def module(self, slug: str) -> ModuleContent | None:
        return next((m for m in self.modules if m.slug == slug), None)

    def competences(self) -> dict[str, int]:
        """The highest level any module of the course gives, per competence."""
        return highest_levels(self.modules)


@dataclass
class Tree:
    courses: list[CourseContent] = field(default_factory=list)
    frameworks: dict[str, FrameworkData] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # frameworks whose file has problems (named by file) -> what has them: the file, or _frameworks (not entered)
    unreadable: dict[str, str] = field(default_factory=dict)
    framework_files: dict[str, Path] = field(default_factory=dict)  # slug (the file's name) -> the file


def is_content(path: Path, folder: Path) -> bool:
    """A file that belongs to the course: not hidden (.DS_Store, .git) nor an editor's backup (name~)."""
    parts = path.relative_to(folder).parts
    return path.is_file() and not any(part.startswith(".") for part in parts) and not path.name.endswith("~")


TEXT_SUFFIXES = (".md", ".yaml", ".yml")  # read as text, line breaks normalised (content_files.read_text)


def _files(directory: Path, ancestors: frozenset = frozenset()):
    """Every file under ``directory`` as the loader reads it: through links to folders (rglob does not enter
    them, so a module folder that is a link, pointed elsewhere, kept its hash), a link back to a folder it is in
    entered once."""
    real = directory.resolve()
    if real in ancestors:
        return
    for entry in directory.iterdir():
        if entry.is_dir():
            yield from _files(entry, ancestors | {real})
        else:
            yield entry


def content_hash(folder: Path) -> str:
    """SHA-256 over every file of a course (relative path and bytes), in a fixed order. The line breaks of
    course.yaml and the module texts count as \n and a byte order mark not at all, as the loader reads them: a
    checkout with Windows line endings holds the same course. Assets count byte for byte (they are served as they
    are)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in _files(folder) if is_content(p, folder)):
        digest.update(str(path.relative_to(folder).as_posix()).encode() + b"\0")
        data = path.read_bytes()
        if path.suffix.lower() in TEXT_SUFFIXES and path.relative_to(folder).parts[0] != "assets":
            # nor does the byte order mark a Windows editor adds (the loader reads the text without it)
            data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        digest.update(data + b"\0")
    return digest.hexdigest()


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _strings(value) -> bool:
    """A list of texts (a list or mapping inside it would make set() fail)."""
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _unquote(value, decimal: bool = False) -> str:
    """What to add when the file wrote a whole number in quotes, or (where a ``decimal`` number is expected) a
    decimal comma (YAML reads text)."""
    if decimal and isinstance(value, str) and re.fullmatch(r"\d+,\d+", value.strip()):  # 1,5 (es, pt_BR)
        return f": write {value.strip().replace(',', '.')}, with a point"
    return f": write {value.strip()} without quotes" if isinstance(value, str) and value.strip().isdigit() else ""


UNREAD_LINK = re.compile(r"\]\(((?:[^()]|\([^()]*\))*)\)")  # left in the text: CommonMark did not take [text](address) as a link
LINK_SCHEMES = ("http", "https", "mailto")  # the sanitiser removes any other address (javascript:, ftp:, ...)


def _targets(body: str, body_line: int):
    """(line, target, kind) for every link ("link"), image ("image") and embedded player ("frame") of a Markdown
    body, as the reader's renderer parses it: inline and reference links, images, and src/href attributes of raw
    HTML; code is skipped. Also what would not show as written: "unread" (link syntax CommonMark does not take
    as a link), "h1" (a top-level heading), "untitled" (a player without a title), "no-alt" (an image without
    alternative text), "bad-lang" (a lang="" that is no language tag), "unclosed" and "unclosed-comment" (a player,
    a <details> or a comment without its end, which takes the rest of the module), "unclosed-in" (a <details>
    without its end in a list item or quotation, which ends it), "id" (an id the page holds, for in-page links).
    What a <script> or <style> holds is their text, dropped with them; what a <textarea> or <title> holds is their
    text too, which the reader shows as text (no tag, id, link or image in it)."""
    opened: list[tuple[str, int]] = []  # players and folded parts not yet closed: they take all that follows
    containers: list[int] = []  # the list items and quotations open: how many of ``opened`` came before each
    raw = None  # the <script>, <style>, <textarea>, <title>, <svg> or <math> open: what it holds is no markup
    for token in MD.parse(body):
        line = body_line + (token.map[0] if token.map else 0)
        if raw in ("svg", "math") and token.type not in ("html_block", "inline"):
            raw = None  # a paragraph, heading or list (its <p>, <h2>, <ul>) ends a drawing or formula left open
        if token.type in CONTAINERS_OPEN:
            containers.append(len(opened))
        elif token.type in CONTAINERS_CLOSE and containers:
            # the end of a list item or quotation ends what it holds, a player excepted (its text runs on)
            inside = opened[min(containers.pop(), len(opened)):]
            if not any(name == "iframe" for name, _line in inside):
                opened = opened[:len(opened) - len(inside)]
                yield from ((opened_at, CONTAINERS_CLOSE[token.type], "unclosed-in") for _name, opened_at in inside)
        if token.type == "html_block":
            content, raw = _outside_raw_text(token.content, raw, opened)
            opened = _left_open(content, line, opened)
        if token.type == "heading_open":
            if token.tag == "h1":
                yield line, "", "h1"
            if token.attrGet("id"):
                yield line, str(token.attrGet("id")), "id"
        if token.type == "html_block":
            yield from _html_targets(content, line)
        if token.type == "footnote_open":  # the ids the footnotes plugin gives: fn1, fnref1, ...
            yield line, f"fn{token.meta['id'] + 1}", "id"
        offset = 0
        for child in token.children or ():
            if raw and child.type != "html_inline":  # text of a script (dropped with it) or of a <textarea>
                continue
            if child.type == "footnote_ref":
                sub = child.meta.get("subId", 0)
                yield line, f"fnref{child.meta['id'] + 1}" + (f":{sub}" if sub else ""), "id"
            elif child.type in ("softbreak", "hardbreak"):
                offset += 1
            elif child.type == "text":
                for match in UNREAD_LINK.finditer(child.content):
                    yield line + offset, match.group(1), "unread"
            elif child.type == "link_open":
                yield line + offset, str(child.attrGet("href") or ""), "link"
            elif child.type == "image":
                yield line + offset, str(child.attrGet("src") or ""), "image"
            elif child.type == "html_inline":
                content, raw = _outside_raw_text(child.content, raw, opened)
                yield from _html_targets(content, line + offset)
                opened = _left_open(content, line + offset, opened)
    for name, line in opened:
        yield line, name, "unclosed"


LEFT_OPEN = re.compile(r"<(/?)(iframe|details)\b", re.I)
# the Markdown blocks whose end (</li>, </blockquote>) ends a <details> left open inside them, as said of them
CONTAINERS_OPEN = ("list_item_open", "blockquote_open")
CONTAINERS_CLOSE = {"list_item_close": "list item", "blockquote_close": "quotation"}
# the elements whose text HTML reads up to their end tag: raw text (dropped by the reader with the element) and
# escapable raw text (<textarea>, <title>: shown by the reader as text, "<b>" and all) (comments skipped)
# (and, as if they were raw text, the drawings and formulas, <svg> and <math>: the reader drops their elements and
# text, so nothing in them is a problem of its own)
RAW_TEXT_OPEN = re.compile(r"<!--.*?(?:-->|\Z)|<(script|style|textarea|title|svg|math)\b[^>]*>", re.I | re.S)


def _outside_raw_text(html: str, raw: str | None, opened: list[tuple[str, int]]) -> tuple[str, str | None]:
    """``html`` with the text of its <script>, <style>, <textarea>, <title>, <svg> and <math> elements blanked (lines
    kept), and the one still open after it, given ``raw``, the one open before it: HTML reads what the first four
    hold as text up to their end tag, which the reader drops with the first two and shows as text in the others; it
    drops what a drawing or formula holds. Inside a player all is the player's text (``opened``), left as it is."""
    if opened and opened[-1][0] == "iframe":
        return html, raw
    kept, start = [], 0
    while True:
        if raw:
            end = re.compile(rf"</{raw}[\s/>]", re.I).search(html, start)
            stop = end.start() if end else len(html)
            kept.append(re.sub(r"[^\n]", " ", html[start:stop]))
            if not end:
                return "".join(kept), raw
            start, raw = stop, None
        found = RAW_TEXT_OPEN.search(html, start)
        if not found:
            return "".join(kept) + html[start:], None
        kept.append(html[start:found.end()])
        start, raw = found.end(), (found.group(1) or "").lower() or None


def _left_open(html: str, line: int, opened: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The players and folded parts (name, line) still open after ``html`` (written on ``line``), given those
    open before it, innermost last. What a player holds up to the first </iframe> is its content (another
    <iframe> or a comment too); a <details> is closed by the next </details>, so they nest."""
    if not (opened and opened[-1][0] == "iframe"):  # a comment's tags are no tags (same length: lines kept)
        html = HTML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), html)
    opened = list(opened)
    for tag in LEFT_OPEN.finditer(html):
        closing, name = bool(tag.group(1)), tag.group(2).lower()
        if opened and opened[-1][0] == "iframe" and name != "iframe":
            continue
        if closing:
            if opened and opened[-1][0] == name:
                opened.pop()
        elif not (opened and opened[-1][0] == "iframe"):
            opened.append((name, line + html[:tag.start()].count("\n")))
    return opened


def images_shown(body: str) -> list[str]:
    """The address of every image a Markdown body shows, as often as it shows it, as the reader's renderer reads
    it: written inline, by reference ([photo]: assets/photo.jpg) or in raw HTML, and not in code."""
    return [target for _line, target, kind in _targets(body, 0) if kind == "image"]


def _html_targets(html: str, line: int):
    for comment in HTML_COMMENT.finditer(html):  # (one in a paragraph is closed, or is no comment)
        if not comment.group().endswith("-->"):
            yield line + html[:comment.start()].count("\n"), "", "unclosed-comment"
    for tag in HTML_TAG.finditer(HTML_COMMENT.sub("", html)):
        name, attributes = tag.group(1).lower(), tag.group(2)
        present = {match.group(1).lower() for match in HTML_ATTRIBUTE.finditer(attributes)}
        if name in ("script", "style", "template", "svg", "math"):  # (the sanitiser drops what they hold)
            yield line, name, "dropped-tag"
        elif name not in TAGS:  # the sanitiser drops the element and keeps its text (a <form>, an <object>)
            yield line, name, "stripped-tag"
        for attribute in sorted(a for a in present if a.startswith("on")):
            yield line, attribute, "dropped-attribute"
        if name == "iframe" and "title" not in present:
            yield line, "", "untitled"
        if name == "img" and "alt" not in present:
            yield line, "", "no-alt"
        if "lang" in ATTRIBUTES.get(name, ()):  # (elsewhere the sanitiser drops it)
            for match in HTML_LANG.finditer(attributes):
                value = next(group for group in match.groups() if group is not None)
                if not BCP47.fullmatch(value):
                    yield line, value, "bad-lang"
        for match in HTML_SOURCE.finditer(attributes):
            value = next(group for group in match.groups()[1:] if group is not None)
            if match.group(1).lower() == "href":
                yield line, value, "link"
            elif match.group(1).lower() == "id":
                if "id" in ATTRIBUTES.get(name, ()):  # the sanitiser keeps it there only
                    yield line, value, "id"
            elif match.group(1).lower() == "cite":
                if "cite" in ATTRIBUTES.get(name, ()) and not web_address(unescape(value)):
                    yield line, value, "cite"
            else:
                yield line, value, "frame" if name == "iframe" else "image"


# what validation says of markup the reader changes, by the kind _targets() gives it (or kind and target)
MARKUP_PROBLEMS = {
    "dropped-tag": "the reader removes <{target}> and what it holds",
    "stripped-tag": "the reader removes <{target}> and shows only the text inside it",
    "dropped-attribute": "the reader removes the {target} attribute (no script runs in a module)",
    ("unclosed", "iframe"): "the <iframe> is not closed: write </iframe> after it (the reader shows nothing of the "
                            "module after it)",
    "unclosed": "the <{target}> is not closed: write </{target}> where it ends (the reader folds the rest of the "
                "module into it)",
    "unclosed-in": "the <details> is not closed: write </details> where it ends (the reader ends it where its "
                   "{target} ends)",
    "unclosed-comment": "the comment <!-- is not closed: write --> after it (the reader shows nothing of the module "
                        "after it)",
    "cite": "the reader removes the quotation's source {target!r}: a source is an http or https address",
    "h1": "start headings at ## (the module's title is its only # heading)",
    "untitled": 'give the embedded player a title="..." that says what it shows',
    "no-alt": 'give the image an alt="..." text (alt="" if it is decoration)',
}


def _start_it_ignores(src: str) -> bool:
    """Whether an allowed player's address gives a start time as a video's page does: ?t= (YouTube's player reads
    ?start=, Vimeo's #t=), or YouTube's #t=."""
    parts = urlsplit(src)
    return "t" in parse_qs(parts.query) or "youtube" in parts.netloc and "t" in parse_qs(parts.fragment)


def _check_links(body: str, body_line: int, course: "_CourseFiles", file: str, problems: list[Problem]) -> None:
    """Links and images must work in the reader: external links are fine, images come from the course's own
    assets (the site loads nothing from other hosts), and a relative address can only name an asset (exactly
    as the course keeps it) or another module; an in-page link names a heading or a footnote."""
    targets = list(_targets(body, body_line))
    ids = {target for _line, target, kind in targets if kind == "id"}
    seen_ids: dict[str, int] = {}  # id: the line that gave it first
    for line, target, kind in targets:
        if kind == "unread":
            hint = "write the address without spaces (%20 for a space) or between < and >" if re.search(
                r"\s", target) else f"links go to {', '.join(LINK_SCHEMES)} addresses, assets/ or another module"
            problems.append(Problem(file, line, f"]({target}) is not read as a link: {hint}"))
            continue
        message = MARKUP_PROBLEMS.get((kind, target)) or MARKUP_PROBLEMS.get(kind)
        if message:
            problems.append(Problem(file, line, message.format(target=target)))
            continue
        if kind == "bad-lang":
            hint = (f'"{target.replace("_", "-")}"' if BCP47.fullmatch(target.replace("_", "-"))
                    else '"en", "es" or "pt-BR", for instance')
            problems.append(Problem(file, line, f'lang="{target}" is not a language tag: write it as {hint}'))
            continue
        if kind == "id":  # headings take ids of their own; one written in HTML may meet them or the page's
            if target in PAGE_IDS:
                problems.append(Problem(file, line, f'the id "{target}" is one the module\'s page gives its own '
                                                    "parts: give it another"))
            elif target in seen_ids:
                problems.append(Problem(file, line, f'the id "{target}" is given twice on the page (also line '
                                                    f"{seen_ids[target]}): a link to #{target} reaches only the "
                                                    "first, so give the other one another id"))
            seen_ids.setdefault(target, line)
            continue
        if kind == "frame":
            if not video_allowed(target):
                instead = player_for(unescape(target))  # rel=0&amp;start=30: the settings after an & too
                problems.append(Problem(file, line, f"{target!r} cannot be embedded: " + (
                    f"write {instead!r} instead, the player address the reader shows" if instead else
                    f"only video players from {', '.join(sorted(VIDEO_HOSTS))} can")))
            elif _start_it_ignores(address := unescape(target)) and (instead := player_for(address)):
                # YouTube's player reads only ?start=SECONDS, Vimeo's #t=SECONDSs: the t=1m30s (or #t=) of a page is
                # ignored
                form = "#t=SECONDSs" if urlsplit(address).netloc == "player.vimeo.com" else "start=SECONDS"
                problems.append(Problem(file, line, f"{address!r} starts the video at the beginning: the player "
                                                    f"reads a start time as {form}, write {instead!r} instead"))
            continue
        scheme = re.match(r"^([a-z][a-z0-9+.-]*):", target, re.I)
        if scheme:
            if kind == "link" and scheme.group(1).lower() not in LINK_SCHEMES:
                problems.append(Problem(file, line, f"the reader removes the link {target!r}: links go to "
                                                    f"{', '.join(LINK_SCHEMES)} addresses"))
            elif kind == "image":
                problems.append(Problem(file, line, f"the image {target!r} is not in the course: put it in the "
                                                    f"course's assets/ folder (the site loads nothing from elsewhere)"))
            continue
        if target.startswith("#"):
            fragment = unquote(target[1:])  # "#top" is the top of any page (HTML)
            if fragment and fragment.lower() != "top" and fragment not in ids:
                problems.append(Problem(file, line, f"broken link: {unquote(target)!r} names no heading of the module"))
            continue
        if other_host(target):
            problems.append(Problem(file, line, f"the reader removes the address {target!r}: write it in full, "
                                                f"with https://"))
            continue
        address = unquote(target.split("#")[0].split("?")[0])
        if target.startswith("/"):  # a page of the site; no image of it is the course's (nor in a copy offline)
            if kind == "image":
                name = address.rstrip("/").rpartition("/")[2] or "..."
                problems.append(Problem(file, line, f"the image {target!r} is not in the course: put it in the "
                                                    f"course's assets/ folder and write assets/{name}"))
            continue
        if not address:  # the page itself
            if kind == "image":
                problems.append(Problem(file, line, "the image has no address: write the name of a file of the "
                                                    "course's assets/ folder, such as assets/map.png"))
            continue
        module = module_link(target) if kind == "link" else None
        if module is not None:
            if module[0] not in course.modules:
                problems.append(Problem(file, line, f"broken link: {unquote(target)!r}: the course has no module "
                                                    f"folder {module[0]}"))
            continue
        name = asset_name(target)
        if name is None:
            problems.append(Problem(file, line, f"the link {target!r} does not work in the reader: link to files in "
                                                f"the course's assets/ folder (assets/...) or to another module "
                                                f"(../02-module/en.md)"))
            continue
        if name == ".." or name.startswith(("../", "/")):
            problems.append(Problem(file, line, f"the link {target!r} points outside the course's assets"))
            continue
        if name not in course.assets:
            same = next((kept for kept in sorted(course.assets) if kept.lower() == name.lower()), None)
            if any(unicodedata.normalize("NFC", kept) == unicodedata.normalize("NFC", name) for kept in course.assets):
                hint = " (the file's name spells its accents apart, as a Mac may save it: type the file's name again)"
            elif same:
                hint = f" (names are case-sensitive: 'assets/{same}'?)"
            elif (course.directory / "assets" / name).is_file():
                hint = " (hidden files and backups~ are not kept with the course)"
            elif written := next((kept for kept in sorted(course.assets) if unquote(target).endswith(
                    f"assets/{kept}") and re.search(r"[#?]", kept)), None):
                hint = f" (a {'#' if '#' in written else '?'} in a file's name is written " \
                       f"{'%23' if '#' in written else '%3F'}: 'assets/{quote(written)}')"
            else:
                hint = ""
            problems.append(Problem(file, line, f"broken link: {unquote(target)!r} does not exist{hint}"))


@dataclass
class _CourseFiles:
    """What a course's links may name: its module folders and the files it keeps in assets/."""

    directory: Path
    modules: set
    assets: set
    # where course.yaml promises the languages (file, line), for a module missing one: a missing file has no line
    locales_at: tuple[str, int | None] | None = None
    told_no_framework: bool = False


def _language_files(module_dir: Path, root: Path, locales: tuple[str, ...], problems: list[Problem]) -> set[str]:
    """The names of the module's files, as the folder lists them (a Mac finds ES.md when asked for es.md, the
    server does not); a Markdown file named for no language is reported. A text in a language the course does
    not promise yet is left alone (a translation under way)."""
    names = {path.name for path in module_dir.iterdir() if path.is_file()}
    for name in sorted(names):
        stem, suffix = name[:-3], name[-3:]
        tag = stem.strip()  # "es .md", "es\n.md": a name typed or pasted with what shows nothing around it
        if suffix.lower() != ".md" or not LANGUAGE_TAG.match(tag) or (suffix == ".md" and stem in LOCALES_REQUIRED):
            continue  # a text in one of our languages, or not a text named for a language (notes, README.md)
        file = str((module_dir / name).relative_to(root))
        meant = next((l for l in LOCALES_REQUIRED if l.lower() == tag.lower().replace("-", "_")), None)
        if meant is not None:
            why = "without spaces or new lines" if tag != stem else "file names are case-sensitive"
            problems.append(Problem(file, None, f"name the file {meant}.md ({why})"))
        else:
            problems.append(Problem(file, None, f"{stem} is not a language of the course ({', '.join(locales)})"))
    return names


def _module(course: "_CourseFiles", module_dir: Path, root: Path, locales: tuple[str, ...],
            framework: FrameworkData | None, completion: str | None, problems: list[Problem],
            framework_named: bool = False) -> ModuleContent | None:
    match = MODULE_DIR.match(module_dir.name)
    position, slug = int(match.group(1)), match.group(2)
    texts, said = {}, {}
    present = _language_files(module_dir, root, locales, problems)
    for locale in locales:
        path = module_dir / f"{locale}.md"
        file = str(path.relative_to(root))
        if path.name not in present:
            where, line = course.locales_at or (file, None)
            problems.append(Problem(where, line, f"module {slug} has no {locale} text: write "
                                                 f"{path.relative_to(course.directory).as_posix()} "
                                                 f"(the course promises {locale})"))
            continue
        if path.stat().st_size > MAX_TEXT_BYTES:
            problems.append(Problem(file, None, f"the text is larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB: split "
                                                "the module into shorter ones"))
            continue
        try:
            meta, body, body_line = front_matter(read_text(path, file), file)
        except YamlProblem as error:
            problems.append(error.problem)
            continue
        data = meta.data if isinstance(meta.data, dict) else None
        if data is None:
            problems.append(meta.problem("the front matter must be a mapping (title, duration, objectives, ...)"))
            continue
        for key in data:
            if key not in ("title", "duration", "objectives", "competences"):
                problems.append(meta.problem(f"unknown key {key!r} in the front matter", key))
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            problems.append(meta.problem(f"the front matter needs a title{meta.quote_hint(title, 'title')}",
                                         "title"))
        elif len(title.strip()) > TITLE_MAX_LENGTH:
            problems.append(meta.problem(f"the title is longer than {TITLE_MAX_LENGTH} characters", "title"))
        duration = data.get("duration")
        if not _int(duration) or duration < 1:
            problems.append(meta.problem(f"duration is the time to work through the module, in whole minutes"
                                         f"{_unquote(duration)}", "duration"))
            duration = None  # said to every language below: a list or a mapping could not be compared there
        elif duration > MAX_MINUTES:
            problems.append(meta.problem(f"duration is at most {MAX_MINUTES} minutes ({MAX_HOURS} hours): split a "
                                         f"longer module", "duration"))
        elif in_base := meta.other_base(duration, "duration"):
            problems.append(meta.problem(in_base, "duration"))
            duration = None
        objectives = data.get("objectives") or []
        if not isinstance(objectives, list) or not objectives or not all(isinstance(o, str) and o.strip()
                                                                          for o in objectives):
            hints = [meta.quote_hint(o, "objectives", i) for i, o in enumerate(objectives)] \
                if isinstance(objectives, list) else []
            hint = next(filter(None, hints), "")  # an objective written as YAML reads a date or a number
            problems.append(meta.problem(f"objectives is a list of at least one learning objective{hint}",
                                         "objectives"))
            objectives = []
        competences = []
        named: dict[str, int] = {}  # code: its line
        listed = data.get("competences") or []
        if not isinstance(listed, list):
            problems.append(meta.problem("competences is a list, one competence a line: - {code: B1, level: 2}",
                                         "competences"))
            listed = []
        for index, item in enumerate(listed):
            path_ = ("competences", index)
            level = item.get("level") if isinstance(item, dict) else None
            if isinstance(level, str) and level.strip().isdigit():
                problems.append(meta.problem(f"the level is a number: write {level.strip()} without quotes", *path_))
                continue
            if not isinstance(item, dict) or not isinstance(item.get("code"), str) or not _int(level):
                problems.append(meta.problem("each competence is {code: B1, level: 2}", *path_))
                continue
            code, level = item["code"], item["level"]
            for key in item:
                if key not in ("code", "level"):
                    problems.append(meta.problem(f"unknown key {key!r} in a competence: each competence is "
                                                 "{code: B1, level: 2}", *path_, key))
            if code in named:  # which level the module grants is the author's to say, once
                problems.append(meta.problem(f"competence {code} is named twice in this module (also line "
                                             f"{named[code]}): give it once, with the level the module grants",
                                             *path_))
                continue
            named[code] = meta.line(*path_)
            if in_base := meta.other_base(level, *path_, "level"):
                problems.append(meta.problem(in_base, *path_, "level"))
                continue
            if framework is not None:
                codes = {c["code"] for c in framework.competences}
                scale = {l["number"] for l in framework.levels}
                if code not in codes:
                    problems.append(meta.problem(f"unknown competence code {code!r} (framework {framework.slug})",
                                                 *path_, "code"))
                elif level not in scale:
                    problems.append(meta.problem(f"level {level} of {code} is outside the scale 1-{max(scale)}",
                                                 *path_, "level"))
            competences.append((code, level))
        if competences and framework is None and not framework_named and not course.told_no_framework:
            course.told_no_framework = True  # once for the course: one line of course.yaml is missing
            problems.append(meta.problem("the module names competences but the course names no framework: name it "
                                         "in course.yaml (framework: <slug>), for every module", "competences"))
        _check_links(body, body_line, course, file, problems)
        for number, text in enumerate(body.split("\n")):  # as in the front matter (YAML refuses them there)
            control = NON_PRINTABLE.search(text)
            if control:
                problems.append(Problem(file, body_line + number, f"the invisible control character "
                                                                  f"U+{ord(control.group()):04X} is not allowed "
                                                                  f"(pasted from another program?): delete it"))
        if not body.strip():
            problems.append(Problem(file, body_line, "the module has no text after its front matter"))
        said[locale] = ((duration, tuple(competences)), meta)
        texts[locale] = ModuleText(locale, title.strip() if isinstance(title, str) else "", tuple(o.strip() for o in objectives), body, file)
    if not texts:
        return None
    duration, competences = _agreed(said, problems)
    return ModuleContent(slug=slug, position=position, duration=duration or 0, competences=competences,
                         completion=completion, texts=texts)


def _agreed(said: dict, problems: list[Problem]) -> tuple:
    """The duration and competences every language of a module must share: what most of its files say (the
    English one on a tie); each file that says otherwise is the one reported."""
    counts = Counter(facts for facts, _ in said.values())
    english = said.get("en", (None, None))[0]
    agreed = max(counts, key=lambda facts: (counts[facts], facts == english))
    for locale, (facts, meta) in said.items():
        if facts != agreed:
            others = ", ".join(f"{other}.md" for other, (theirs, _) in said.items() if theirs == agreed)
            key = "duration" if facts[0] != agreed[0] else "competences"
            problems.append(meta.problem(f"duration and competences must be the same in every language: "
                                         f"this file differs from {others} in its {key}", key))
    return agreed


def links_leaving(course_dir: Path, root: Path) -> list[Problem]:
    """Symbolic links that lead out of the course folder (or a course folder that leads out of the tree): sync
    would copy what they point at, a key or the database, into the catalogue for every signed-in person."""
    inside = course_dir.resolve()
    if course_dir.is_symlink() and not inside.is_relative_to(root.resolve()):
        return [Problem(str(course_dir.relative_to(root)), None,
                        "the course folder is a link to a folder outside the tree: move the course into it")]
    problems = []
    for path in sorted(course_dir.rglob("*")):  # rglob lists a link to a folder, and does not enter it
        try:
            link = path.is_symlink()
        except OSError:  # in a folder the server may list but not enter: files_not_readable names it
            continue
        if not link or any(part.startswith(".") for part in path.relative_to(course_dir).parts):
            continue
        try:
            target = path.resolve()
        except (OSError, RuntimeError):  # links that lead to each other in a circle (RuntimeError before 3.13)
            problems.append(Problem(str(path.relative_to(root)), None,
                                    "a link that leads back to itself through other links: remove it"))
            continue
        if not target.is_relative_to(inside):
            problems.append(Problem(str(path.relative_to(root)), None, "a link to a file or folder outside the "
                                                                       "course folder: copy it into the course instead"))
    return problems


def files_not_readable(course_dir: Path, root: Path) -> list[Problem]:
    """The course's files and folders the server's user may not read (copied in with their owner's permissions
    only, or unpacked as another user): the course could be neither hashed nor kept."""
    problems = []

    def walk(directory: Path, ancestors: frozenset) -> None:
        real = directory.resolve()
        if real in ancestors:  # a link back to a folder it is in (as _files reads them)
            return
        try:
            entries = sorted(directory.iterdir())
        except OSError as error:
            problems.append(Problem(str(directory.relative_to(root)), None,
                                    f"the folder cannot be read: {error.strerror or error}"))
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.name.endswith("~"):  # not kept with the course (is_content)
                continue
            try:
                is_dir = entry.is_dir()
            except OSError as error:  # listed, but not to be entered (a folder without its x: chmod -R 644)
                problems.append(Problem(str(directory.relative_to(root)), None,
                                        f"the folder cannot be read: {error.strerror or error}"))
                return
            if is_dir:
                walk(entry, ancestors | {real})
            elif entry.is_file():
                try:
                    with entry.open("rb"):
                        pass
                except OSError as error:
                    problems.append(Problem(str(entry.relative_to(root)), None,
                                            f"the file cannot be read: {error.strerror or error}"))

    walk(course_dir, frozenset())
    return problems


def _leads_inside(link: Path, folder: Path) -> bool:
    """Whether a link leads to a file in ``folder`` (a link in a circle leads nowhere: not)."""
    try:
        return link.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # RuntimeError before Python 3.13
        return False


def names_not_utf8(course_dir: Path, root: Path) -> list[Problem]:
    """Files and folders whose name is not UTF-8 (written on an old system, or unpacked from an archive that
    kept its bytes): no address or message could name them. Shown with the bytes that are not UTF-8 escaped."""
    paths = [course_dir, *(path for path in sorted(course_dir.rglob("*"))
                           if not any(part.startswith(".") for part in path.relative_to(course_dir).parts))]
    problems, named = [], []
    for path in paths:
        if not _utf8(path.name) and not any(path.is_relative_to(folder) for folder in named):  # once per folder
            named.append(path)
            problems.append(Problem(_shown(path.relative_to(root)), None, "the name is not UTF-8 text: rename it "
                                                                          "(letters with accents are fine once "
                                                                          "saved as UTF-8)"))
    return problems


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # the bytes of a name that is not UTF-8, as Python keeps them (surrogates)
        return False
    return True


def _shown(path: Path) -> str:
    """A path as a message can print it: bytes that are not UTF-8 written as \\xe9."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _assets(course_dir: Path) -> tuple[str, ...]:
    folder = course_dir / "assets"
    return tuple(sorted(str(p.relative_to(course_dir).as_posix()) for p in _files(folder)
                        if is_content(p, course_dir))) if folder.is_dir() else ()


def _listed_twice(located: Located, key: str, values: list, problems: list[Problem]) -> None:
    """A value a list of course.yaml gives twice: the course keeps it once, the file is the author's to tidy
    (a second "technician" may be a "manager" meant)."""
    first: dict[str, int | None] = {}
    for index, value in enumerate(values):
        line = located.line(key, index)
        if value in first:
            also = f" (also line {first[value]})" if first[value] != line else ""
            problems.append(located.problem(f"{key} lists {value} twice{also}: list it once", key, index))
        else:
            first[value] = line


def _first_line(folder: Path, root: Path, locales: tuple[str, ...]) -> tuple[str, int | None]:
    """Where a problem of a module folder's name is told: the first line of its first text, or the folder."""
    text = next((folder / f"{l}.md" for l in locales if (folder / f"{l}.md").is_file()), None)
    return (str(text.relative_to(root)), 1) if text else (str(folder.relative_to(root)), None)


def _modules(course_dir: Path, root: Path, assets: tuple[str, ...], locales: tuple[str, ...],
             framework: FrameworkData | None, completion: dict, problems: list[Problem],
             framework_named: bool, locales_at: tuple[str, int | None] | None = None,
             ) -> tuple[list[ModuleContent], dict[str, str]]:
    """Every module folder of a course: the modules read, and the folder of each module slug."""
    modules, seen, numbers = [], {}, {}
    module_root = course_dir / "modules"
    folders = sorted(p for p in module_root.iterdir() if p.is_dir()) if module_root.is_dir() else []
    files = _CourseFiles(directory=course_dir, modules={f.name for f in folders if MODULE_DIR.match(f.name)},
                         assets={asset.removeprefix("assets/") for asset in assets}, locales_at=locales_at)
    for folder in folders:
        match = MODULE_DIR.match(folder.name)
        if not match:
            problems.append(Problem(str(folder.relative_to(root)), None,
                                    "module folders are named <nn>-<slug>, such as 01-four-cs"))
            continue
        module_slug = match.group(2)
        if module_slug in seen:
            problems.append(Problem(*_first_line(folder, root, locales),
                                    f"duplicate module slug {module_slug!r} (also {seen[module_slug]}): rename the "
                                    f"folder"))
            continue
        seen[module_slug] = folder.name
        if match.group(1) in numbers:  # the number is the module's place: previous / next would be a guess
            problems.append(Problem(*_first_line(folder, root, locales),
                                    f"module number {match.group(1)} is also used by {numbers[match.group(1)]}: "
                                    f"give each module its own number"))
        numbers.setdefault(match.group(1), folder.name)
        module = _module(files, folder, root, locales, framework, completion.get(module_slug), problems,
                         framework_named=framework_named)
        if module is not None:
            modules.append(module)
    return modules, seen


def _modules_of_an_unreadable_course(course_dir: Path, root: Path, problems: list[Problem]) -> None:
    """The modules' own problems when course.yaml cannot be read, so that one round of mending fixes all: in
    the languages the module files are written in, their competences unchecked (the framework is unknown)."""
    written = {path.stem for path in (course_dir / "modules").glob("*/*.md")}
    locales = tuple(locale for locale in LOCALES_REQUIRED if locale in written) or ("en",)
    _modules(course_dir, root, _assets(course_dir), locales, None, {}, problems, framework_named=True)


def load_course(course_dir: Path, root: Path, frameworks: dict[str, FrameworkData],
                problems: list[Problem], unreadable: Mapping[str, str] = MappingProxyType({})) -> CourseContent | None:
    """Read one course folder; problems are appended, and None returned when it cannot be used. The
    competences of a course whose framework file has problems (``unreadable``: the file, or _frameworks itself, by
    framework) are not checked: their own problems say what to mend first."""
    before = len(problems)
    badly_named = names_not_utf8(course_dir, root)
    if badly_named:
        problems.extend(badly_named)
        return None
    leaving = links_leaving(course_dir, root)
    if leaving:
        problems.extend(leaving)
        return None
    not_readable = files_not_readable(course_dir, root)
    if not_readable:
        problems.extend(not_readable)
        return None
    path = course_dir / "course.yaml"
    if not path.is_file():
        misnamed = next((p.name for p in course_dir.iterdir() if p.name.lower() in ("course.yml", "course.yaml")
                         and p.name != "course.yaml"), None)  # course.yml, Course.yaml
        problems.append(Problem(str(course_dir.relative_to(root)), None, "the folder has no course.yaml" + (
            f" (it has a {misnamed}: rename it course.yaml)" if misnamed else "")))
        return None
    try:
        located: Located = load_file(path, root)
    except YamlProblem as error:
        problems.append(error.problem)
        _modules_of_an_unreadable_course(course_dir, root, problems)
        return None
    data = located.data if isinstance(located.data, dict) else {}
    if not isinstance(located.data, dict):
        problems.append(located.problem("course.yaml must be a mapping (slug, version, title, ...)"))
    allowed = {"slug", "version", "framework", "title", "summary", "audience", "estimated_hours", "locales",
               "completion"}
    for key in data:
        if key not in allowed:
            problems.append(located.problem(f"unknown key {key!r}", key))
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append(located.problem("slug must be lower-case letters, digits and hyphens", "slug"))
    elif slug != course_dir.name:
        problems.append(located.problem(f"slug {slug!r} differs from the folder name {course_dir.name!r}", "slug"))
    version = data.get("version")
    if not _int(version) or version < 1:
        problems.append(located.problem(f"version must be a whole number from 1{_unquote(version)}", "version"))
    elif version > MAX_VERSION:
        problems.append(located.problem(f"version is at most {MAX_VERSION}: raise it by one for each change",
                                        "version"))
    elif in_base := located.other_base(version, "version"):
        problems.append(located.problem(in_base, "version"))
    locales = data.get("locales") or list(LOCALES_REQUIRED)
    if not _strings(locales) or "en" not in locales or not set(locales) <= set(LOCALES_REQUIRED):
        problems.append(located.problem("locales lists en and any of es, pt_BR", "locales"))
        locales = ["en"]
    _listed_twice(located, "locales", locales, problems)
    locales = tuple(l for l in LOCALES_REQUIRED if l in locales)
    title = translated(located, data.get("title"), ("title",), "title", problems, required=locales)
    summary = translated(located, data.get("summary"), ("summary",), "summary", problems, required=locales)
    for name, texts, limit in (("title", title, TITLE_MAX_LENGTH), ("summary", summary, TEXT_MAX_LENGTH)):
        for locale, text in texts.items():  # (a heading and a line of the catalogue, as a framework's title)
            if len(text) > limit:
                problems.append(located.problem(f"{name} is longer than {limit} characters ({locale})", name,
                                                locale))
    audience = data.get("audience") or []
    if not _strings(audience) or not audience or not set(audience) <= set(AUDIENCES):
        problems.append(located.problem("audience lists technician and/or manager", "audience"))
        audience = []
    _listed_twice(located, "audience", audience, problems)
    hours = data.get("estimated_hours")
    if not _number(hours) or not hours > 0:  # .nan is no number of hours either
        problems.append(located.problem(f"estimated_hours is a positive number{_unquote(hours, decimal=True)}",
                                        "estimated_hours"))
        hours = 0
    elif not hours <= MAX_HOURS:  # .inf too
        problems.append(located.problem(f"estimated_hours is at most {MAX_HOURS}: split a longer course into "
                                        f"several", "estimated_hours"))
        hours = 0
    elif in_base := located.other_base(hours, "estimated_hours"):
        problems.append(located.problem(in_base, "estimated_hours"))
        hours = 0
    framework_slug = data.get("framework")
    framework = None
    if framework_slug is not None and not (isinstance(framework_slug, str) and framework_slug.strip()):
        problems.append(located.problem("framework is the slug of a framework file, such as s3 for "
                                        "_frameworks/s3.yaml", "framework"))
    elif framework_slug is not None:
        framework = frameworks.get(framework_slug)
        if framework is None and framework_slug in unreadable:
            problems.append(located.problem(f"framework {framework_slug!r} cannot be read until the problems of "
                                            f"{unreadable[framework_slug]} are mended: the modules' "
                                            "competences are not checked", "framework"))
        elif framework is None:
            problems.append(located.problem(f"unknown framework {framework_slug!r} (no courses/_frameworks/"
                                            f"{framework_slug}.yaml)", "framework"))
    completion = data.get("completion") or {}
    if not isinstance(completion, dict):
        problems.append(located.problem("completion maps module slugs to a rule (viewed, quiz, ...)",
                                        "completion"))
        completion = {}

    assets = _assets(course_dir)
    modules, seen = _modules(course_dir, root, assets, locales, framework, completion, problems,
                             framework_named=framework_slug is not None,
                             locales_at=(str(path.relative_to(root)), located.line("locales")))
    for module_slug, rule in completion.items():
        if rule not in COMPLETION_RULES:
            problems.append(located.problem(f"unknown completion rule {rule!r}", "completion", module_slug))
        if module_slug not in seen:
            problems.append(located.problem(f"completion names an unknown module {module_slug!r}", "completion",
                                            module_slug))
    if not modules:
        problems.append(Problem(str(course_dir.relative_to(root)), None, "the course has no modules"))
    for asset in assets:  # told in the same round as the other problems
        if len(asset.removeprefix("assets/")) > MAX_ASSET_PATH:
            problems.append(Problem(f"{course_dir.relative_to(root)}/{asset}", None,
                                    f"the path inside assets/ is longer than {MAX_ASSET_PATH} characters: "
                                    f"shorten its folder and file names"))
        if (course_dir / asset).stat().st_size > MAX_ASSET_BYTES:
            problems.append(Problem(f"{course_dir.relative_to(root)}/{asset}", None,
                                    f"the file is larger than {MAX_ASSET_BYTES // (1024 * 1024)} MB: link to it "
                                    f"where it is published instead"))
    if len(problems) > before:
        return None
    return CourseContent(slug=slug, version=version, framework=framework_slug, title=title, summary=summary,
                         audience=tuple(a for a in AUDIENCES if a in audience), estimated_hours=float(hours),
                         locales=locales, modules=tuple(modules), assets=assets,
                         content_hash=content_hash(course_dir), path=str(course_dir.relative_to(root)),
                         directory=course_dir.resolve(),
                         lines={key: located.line(key) for key in ("version", "framework")})


def load_tree(root: Path, only: list[Path] | None = None, progress=None, frameworks_from: Path | None = None) -> Tree:
    """Read every framework and course under ``root`` (or only the course folders given; frameworks from
    ``frameworks_from`` when the courses are kept apart from them)."""
    tree = Tree()
    framework_dir = (frameworks_from or root) / "_frameworks"
    for path in sorted(framework_dir.glob("*.yaml")) if framework_dir.is_dir() else []:
        tree.framework_files[path.stem] = path
        name = str(path.relative_to(framework_dir.parent))
        if not _utf8(name):
            tree.problems.append(Problem(_shown(path.relative_to(framework_dir.parent)), None,
                                         "the name is not UTF-8 text: rename it"))
            continue
        try:
            link = path.is_symlink()
        except OSError as error:  # _frameworks/ listed but not to be entered (a folder without its x): said once
            said = Problem("_frameworks", None, f"the folder cannot be read: {error.strerror or error}")
            tree.problems += [said] if said not in tree.problems else []
            tree.unreadable[path.stem] = said.file
            continue
        if link and not _leads_inside(path, framework_dir.parent):  # (as the courses' links)
            tree.problems.append(Problem(name, None, "a link to a file outside the courses folder: copy the file "
                                                     "in instead"))
            tree.unreadable[path.stem] = name
            continue
        if not path.is_file():
            tree.problems.append(Problem(name, None, "a folder, not a framework file: frameworks are files "
                                                     "_frameworks/<slug>.yaml"))
            tree.unreadable[path.stem] = name
            continue
        try:
            data = read_framework(read_text(path, name), name)
        except FrameworkFileError as error:
            tree.problems += error.problems
            tree.unreadable[path.stem] = name
            continue
        except YamlProblem as error:
            tree.problems.append(error.problem)
            tree.unreadable[path.stem] = name
            continue
        if data.slug != path.stem:  # courses name a framework by its file
            tree.problems.append(Problem(name, data.slug_line, f"slug {data.slug!r} differs from the file name "
                                                               f"{path.name!r}: rename one or the other"))
            tree.unreadable[path.stem] = name
            continue
        tree.frameworks[data.slug] = data
    folders = only or sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    slugs: dict[str, str] = {}
    for folder in folders:
        course = load_course(folder, root, tree.frameworks, tree.problems, tree.unreadable)
        if progress is not None:
            progress(folder)
        if course is None:
            continue
        if course.slug in slugs:
            tree.problems.append(Problem(course.path, None, f"duplicate course slug {course.slug!r} "
                                                            f"(also {slugs[course.slug]})"))
            continue
        slugs[course.slug] = course.path
        tree.courses.append(course)
    return tree
