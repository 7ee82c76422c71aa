"""Competence frameworks as files: ``courses/_frameworks/<slug>.yaml`` and a CSV form, read into checked data
(every problem with file and line) and written back out so that export -> import -> export is exact."""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

import yaml

from app.competences.vocabulary import (ALIGNMENT_KEYS, ALIGNMENT_MAX_LENGTHS, MAX_ALIGNMENTS, alignment_message,
                                        alignment_problems, alignment_target)
from app.content_files import LOCALES_REQUIRED, Located, Problem, YamlProblem, load_text, translated
from app.text import FORMULA, kept_lines, safe_cell
from app.xapi.validation import is_language_tag

# \Z, not $: "$" also matches before a final line break, which would let "demo\n" through as a slug or a code
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}\Z")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}\Z")
# the framework's pages whose address is a competence's, BASE/competences/<framework>/<page> (app.competences.views):
# no competence is coded so, in a file as in the browser
PAGE_NAMES = ("history", "edit")
POSITIONS = ("technician", "manager")  # the order targets are written in
TRANSLATED_COMPETENCE_FIELDS = ("title", "knowledge", "skills", "attitudes")
MAX_VALIDITY_MONTHS = 600  # 50 years: beyond that, leave it empty (the level does not expire)
MAX_VERSION = 1_000_000  # far beyond any real framework, well inside the database's integers
TITLE_MAX_LENGTH = 200  # titles and names: a heading, a line of a certificate (the edit forms say the same)
TEXT_MAX_LENGTH = 4000  # descriptors and descriptions
TITLES = ("title", "name")
LEVEL_KEYS = ("number", "name", "descriptor")
AREA_KEYS = ("code", "title")

# Sources the framework was written from: {title, authors?, year?, publisher?, doi?, url?}
SOURCE_KEYS = ("authors", "year", "title", "publisher", "doi", "url", "language")  # language: of the work cited
DOI = re.compile(r"^10\.[0-9]{4,9}/\S+\Z")


class FrameworkFileError(Exception):
    """The file has problems; nothing was imported. They are listed in the order of their lines (those of the
    whole file first), as the author reads the file, whichever check found them first."""

    def __init__(self, problems: list[Problem]):
        problems = sorted(problems, key=lambda problem: problem.line or 0)
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class FrameworkData:
    """A framework as files describe it: plain data, ready to compare, import or write out."""

    slug: str
    version: int
    title: dict
    description: dict = field(default_factory=dict)
    valid_from: date | None = None
    valid_until: date | None = None
    levels: list[dict] = field(default_factory=list)  # {number, name, descriptor}
    areas: list[dict] = field(default_factory=list)  # {code, title}
    competences: list[dict] = field(default_factory=list)  # {code, area, title, knowledge, skills, attitudes, ...}
    sources: list[dict] = field(default_factory=list)  # {title, authors?, year?, publisher?, doi?, url?, language?}
    version_line: int | None = field(default=None, compare=False)  # where the file gives its version
    slug_line: int | None = field(default=None, compare=False)
    area_lines: dict[str, int] = field(default_factory=dict, compare=False)  # {area code: where the file gives it}

    def as_dict(self) -> dict:
        data = {"slug": self.slug, "version": self.version, "title": self.title}
        if self.description:
            data["description"] = self.description
        if self.valid_from:
            data["valid_from"] = self.valid_from
        if self.valid_until:
            data["valid_until"] = self.valid_until
        data["levels"] = self.levels
        data["areas"] = self.areas
        data["competences"] = self.competences
        if self.sources:
            data["sources"] = self.sources
        return data


# What a YAML file may hold typed out (PyYAML's printable characters): a text read from a file holds nothing else,
# whether a CSV cell holds it typed out or a YAML file writes it as an escape in quotes ("\x1b", "\uD800": which
# app.content_files refuses first, for every file it reads)
NOT_TEXT = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def _not_text(located: Located, value, path: tuple, what: str, problems: list[Problem]) -> None:
    """A problem when the text ``value`` holds a character that is no text: a control character, or half of a
    character (a lone surrogate, which no page, download or database could hold as UTF-8)."""
    found = NOT_TEXT.search(value) if isinstance(value, str) else None
    if found is None:
        return
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        why = "half of a character (a lone surrogate): write the whole character"
    elif code in (0xFFFE, 0xFFFF):
        why = "which is no character of any text: delete it"
    else:
        why = "an invisible control character (pasted from another program?): delete it"
    problems.append(located.problem(f"{what} holds the character U+{code:04X}, {why}", *path))


def kept_text(text: str | None, name: str) -> str:
    """A text of an edit form as it is kept: line breaks as \\n (browsers send \\r\\n), no spaces around it, a
    title or a name on one line with single spaces, and no control character or direction override (pasted with
    it: app.text.kept_lines). Its length is counted so, as a file's text is."""
    text = kept_lines(text)
    return " ".join(text.split()) if name in TITLES else text


def _ordered_text(value: dict) -> dict:
    return {locale: value[locale] for locale in LOCALES_REQUIRED if locale in value}


def _texts(located: Located, value, path: tuple, name: str, problems: list[Problem]) -> dict:
    """A translated text, checked (every language, not too long), in the order en, es, pt_BR; a line break is
    \n however the file wrote it ("\r\n" in a quoted YAML text), as the CSV form and the edit forms keep it, and a
    title or a name is one line with single spaces, as the edit forms keep it."""
    texts = translated(located, value, path, name, problems)
    limit = TITLE_MAX_LENGTH if path[-1] in TITLES else TEXT_MAX_LENGTH
    for locale, text in texts.items():
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        texts[locale] = text = " ".join(text.split()) if path[-1] in TITLES else text
        _not_text(located, text, path + (locale,), name, problems)
        if len(text) > limit:
            problems.append(located.problem(f"{name} is longer than {limit} characters ({locale})", *path, locale))
    return _ordered_text(texts)


def _unknown_keys(located: Located, item: dict, known: tuple, what: str, path: tuple, problems: list[Problem]):
    for key in item:
        if key not in known:
            problems.append(located.problem(f"unknown key {key!r} in {what} (use {', '.join(known)})", *path, key))


def _code_problem(code, what: str, written: str = "", *, kind: str = "", example: str = "") -> str:
    if isinstance(code, (int, float)) and not isinstance(code, bool):
        written = written or str(code)  # as the file writes it: YAML reads 1.10 as 1.1 and 01 as 1
        return f"the code {written} is read as a number: put it in quotes, as in code: \"{written}\""
    if isinstance(code, str) and code != code.strip() and CODE.match(code.strip()):
        return f"the code {code!r} has spaces around it: write {code.strip()}"
    if isinstance(code, str) and code.strip() and kind:  # Á1, or too long: which code, and what a code may hold
        shown = code if len(code) <= 40 else code[:40] + "…"
        return (f"the code {shown!r} is not a code: {kind}'s code is up to 20 letters A-Z, digits, hyphens and "
                f"underscores, starting with a letter or a digit, such as {example}")
    return what


def _twice(located: Located, what: str, code: str, path: tuple, seen: dict) -> Problem | None:
    """A code given before, or one that differs from an earlier code only in capital letters (A1 and a1 would be
    two addresses a reader cannot tell apart); ``seen`` maps the lower-case codes to the first code's path."""
    first = seen.setdefault(code.casefold(), (code, path))
    if first[1] == path:
        return None
    if first[0] == code:
        return located.problem(f"{what} {code} is defined twice", *path, "code")
    return located.problem(f"{what} {code} is defined twice: it differs from {first[0]} (line "
                           f"{located.line(*first[1])}) only in capital letters", *path, "code")


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unquote(value) -> str:
    """What to add to "... is a whole number" when the file wrote the number in quotes (YAML reads text)."""
    return f": write {value.strip()} without quotes" if isinstance(value, str) and value.strip().isdigit() else ""


def _list(located: Located, data: dict, key: str, what: str, problems: list[Problem], *path) -> list:
    """data[key] as a list ([] when absent); anything else is a problem."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(located.problem(f"{key} is a list of {what}, each on a line starting with -", *path, key))
        return []
    return value


def _scale(numbers: set[int]) -> str:
    ordered = sorted(numbers)
    if ordered == list(range(1, len(ordered) + 1)):
        return f"outside the scale (1-{len(ordered)})"
    return f"not a level of the scale ({', '.join(map(str, ordered))})"


def _mappings(located: Located, data: dict, key: str, refusal: str, problems: list[Problem]):
    """(path, item) for each mapping in the list data[key]; an item that is not a mapping is a problem."""
    for index, item in enumerate(_list(located, data, key, key, problems)):
        if isinstance(item, dict):
            yield (key, index), item
        else:
            problems.append(located.problem(refusal, key, index))


def _check_sources(located: Located, data: dict, problems: list[Problem]) -> list[dict]:
    sources = []
    for path, item in _mappings(located, data, "sources", "a source is a mapping with at least a title", problems):
        _unknown_keys(located, item, SOURCE_KEYS, "a source", path, problems)
        for key in ("title", "authors", "publisher", "doi", "url", "language"):
            if key in item and (not isinstance(item[key], str) or not item[key].strip()):
                problems.append(located.problem(f"a source's {key} is text", *path, key))
            _not_text(located, item.get(key), path + (key,), f"a source's {key}", problems)
        if "title" not in item:
            problems.append(located.problem("a source needs its title", *path))
        year = item.get("year")
        if year is not None and (not _whole(year) or not 1500 <= year <= 2100):
            problems.append(located.problem("a source's year is a year such as 2016", *path, "year"))
        if isinstance(item.get("doi"), str) and not DOI.match(item["doi"]):
            problems.append(located.problem(f"{item['doi']!r} is not a DOI (10.xxxx/...; without https://doi.org/)",
                                            *path, "doi"))
        if isinstance(item.get("url"), str) and not re.match(r"^https?://\S+\Z", item["url"]):
            problems.append(located.problem("a source's url is an http(s) address", *path, "url"))
        if isinstance(item.get("language"), str) and not is_language_tag(item["language"].strip()):
            problems.append(located.problem(f"a source's language is a language tag such as en or es "
                                            f"({item['language']!r} is not)", *path, "language"))
        sources.append({key: item[key].strip() if isinstance(item[key], str) else item[key]
                        for key in SOURCE_KEYS if item.get(key) is not None})
    return sources


def _check_alignments(located: Located, item: dict, path: tuple, problems: list[Problem]) -> list[dict]:
    checked, targets = [], set()
    for number, alignment in enumerate(_list(located, item, "alignments", "alignments", problems, *path)):
        apath = path + ("alignments", number)
        if number == MAX_ALIGNMENTS:
            problems.append(located.problem(f"a competence takes at most {MAX_ALIGNMENTS} alignments", *apath))
            break
        if not isinstance(alignment, dict):
            problems.append(located.problem("an alignment is a mapping: framework, code or uri, name", *apath))
            continue
        extra = [key for key in alignment if key not in ALIGNMENT_KEYS]
        if extra:
            problems.append(located.problem(f"unknown key {extra[0]!r} in an alignment", *apath, extra[0]))
        found = alignment_problems(alignment)
        for key, reason in found:
            problems.append(located.problem(alignment_message(reason, key, alignment), *apath, key))
        unreadable = len(problems)
        for key in ALIGNMENT_KEYS:
            _not_text(located, alignment.get(key), apath + (key,), f"an alignment's {key}", problems)
            most = ALIGNMENT_MAX_LENGTHS.get(key)
            if most and key not in dict(found) and isinstance(alignment.get(key), str) and \
                    len(alignment[key].strip()) > most:
                problems.append(located.problem(f"an alignment's {key} is longer than {most} characters", *apath,
                                                key))
        if not found and len(problems) == unreadable:  # on one line with single spaces, as the edit form keeps it
            kept = {k: " ".join(alignment[k].split()) for k in ALIGNMENT_KEYS
                    if isinstance(alignment.get(k), str) and alignment[k].strip()}
            key, target = alignment_target(kept)
            if target in targets:
                problems.append(located.problem(alignment_message("twice", key, kept), *apath, key))
                continue
            targets.add(target)
            checked.append(kept)
    return checked


def check(located: Located) -> FrameworkData:
    """Check parsed framework data; raises FrameworkFileError listing every problem."""
    problems: list[Problem] = []
    data = located.data
    if not isinstance(data, dict):
        raise FrameworkFileError([located.problem("a framework file is a mapping (slug, version, title, ...)")])
    for key in data:
        if key not in {"slug", "version", "title", "description", "valid_from", "valid_until", "levels", "areas",
                       "competences", "sources"}:
            problems.append(located.problem(f"unknown key {key!r}", key))
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append(located.problem("slug must be lower-case letters, digits and hyphens", "slug"))
    version = data.get("version")
    if not _whole(version) or not 1 <= version <= MAX_VERSION:
        problems.append(located.problem(f"version must be a whole number from 1 to {MAX_VERSION}"
                                        f"{_unquote(version)}", "version"))
    elif in_base := located.other_base(version, "version"):
        problems.append(located.problem(in_base, "version"))
    title = _texts(located, data.get("title"), ("title",), "title", problems)
    description = _texts(located, data["description"], ("description",), "description",
                         problems) if "description" in data else {}
    dates = {}
    for key in ("valid_from", "valid_until"):
        if data.get(key) is None:
            continue
        if type(data[key]) is not date:  # a datetime is not a date here
            problems.append(located.problem(f"{key} must be a date such as 2026-01-31", key))
        else:
            dates[key] = data[key]
    if len(dates) == 2 and dates["valid_until"] < dates["valid_from"]:
        problems.append(located.problem("valid_until is before valid_from", "valid_until"))

    levels = []
    numbers = set()
    for path, level in _mappings(located, data, "levels", "each level needs number, name and descriptor", problems):
        _unknown_keys(located, level, LEVEL_KEYS, "a level", path, problems)
        number = level.get("number")
        if not _whole(number) or number < 1:
            problems.append(located.problem(f"a level number is a whole number from 1{_unquote(number)}", *path,
                                            "number"))
        elif in_base := located.other_base(number, *path, "number"):
            problems.append(located.problem(in_base, *path, "number"))
        elif number in numbers:
            problems.append(located.problem(f"level {number} is defined twice", *path, "number"))
        else:
            numbers.add(number)
        levels.append({"number": number,
                       "name": _texts(located, level.get("name"), path + ("name",), f"level {number} name",
                                      problems),
                       "descriptor": _texts(located, level.get("descriptor"), path + ("descriptor",),
                                            f"level {number} descriptor", problems)})
    if not levels:
        problems.append(located.problem("a framework needs its proficiency levels", "levels"))
    elif numbers and sorted(numbers) != list(range(1, len(numbers) + 1)):
        problems.append(located.problem("levels must be numbered 1, 2, 3... without gaps", "levels"))

    areas, area_codes, seen, area_lines = [], set(), {}, {}
    for index, area in enumerate(_list(located, data, "areas", "areas", problems)):
        path = ("areas", index)
        code = area.get("code") if isinstance(area, dict) else None
        if not isinstance(code, str) or not CODE.match(code):
            problems.append(located.problem(_code_problem(code, "an area needs a code of letters and digits",
                                                          located.as_written(code, *path, "code"), kind="an area",
                                                          example="A"), *path))
            continue
        twice = _twice(located, "area", code, path, seen)
        if twice:
            problems.append(twice)
        area_codes.add(code)
        area_lines.setdefault(code, located.line(*path))
        _unknown_keys(located, area, AREA_KEYS, "an area", path, problems)
        areas.append({"code": code, "title": _texts(located, area.get("title"), path + ("title",),
                                                    f"area {code} title", problems)})
    if not areas:
        problems.append(located.problem("a framework needs at least one area", "areas"))

    competences, seen = [], {}
    for path, item in _mappings(located, data, "competences", "each competence is a mapping", problems):
        for key in item:
            if key not in {"code", "area", "validity_months", "targets", "alignments",
                           *TRANSLATED_COMPETENCE_FIELDS}:
                problems.append(located.problem(f"unknown key {key!r}", *path, key))
        code = item.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            problems.append(located.problem(_code_problem(code, "a competence needs a code of letters and digits, "
                                                                "such as B1", located.as_written(code, *path, "code"),
                                                          kind="a competence", example="B1"), *path))
            continue
        if code.casefold() in PAGE_NAMES:
            problems.append(located.problem(f"competence code {code!r} is the address of a page of the framework "
                                            f"(…/competences/<framework>/{code.casefold()}): choose another code",
                                            *path, "code"))
            continue
        twice = _twice(located, "competence", code, path, seen)
        if twice:
            problems.append(twice)
        area = item.get("area")
        if not isinstance(area, str):
            problems.append(located.problem(f"competence {code} needs the code of its area, such as A", *path,
                                            "area"))
        elif area not in area_codes:
            problems.append(located.problem(f"competence {code} names an unknown area {area!r}", *path, "area"))
        competence = {"code": code, "area": area}
        for key in TRANSLATED_COMPETENCE_FIELDS:
            competence[key] = _texts(located, item.get(key), path + (key,), f"competence {code} {key}", problems)
        if item.get("validity_months") is not None:
            months = item["validity_months"]
            if not _whole(months) or not 1 <= months <= MAX_VALIDITY_MONTHS:
                problems.append(located.problem(f"validity_months is a whole number of months from 1 to "
                                                f"{MAX_VALIDITY_MONTHS}{_unquote(months)}", *path,
                                                "validity_months"))
            elif in_base := located.other_base(months, *path, "validity_months"):
                problems.append(located.problem(in_base, *path, "validity_months"))
            competence["validity_months"] = months
        targets = item.get("targets")
        if targets is None:
            targets = {}
        elif not isinstance(targets, dict):  # [], '' or 0 too: not read as no targets
            problems.append(located.problem("targets maps positions to levels", *path, "targets"))
            targets = {}
        for position, level in targets.items():
            if position not in POSITIONS:
                problems.append(located.problem(f"unknown position {position!r} in targets", *path, "targets",
                                                position))
            elif not _whole(level):
                problems.append(located.problem(f"the target level of competence {code} for {position} is a level "
                                                f"number{_unquote(level)}", *path, "targets", position))
            elif in_base := located.other_base(level, *path, "targets", position):
                problems.append(located.problem(in_base, *path, "targets", position))
            elif level not in numbers:
                problems.append(located.problem(f"target level {level} of competence {code} is {_scale(numbers)}",
                                                *path, "targets", position))
        if targets:
            competence["targets"] = {p: targets[p] for p in POSITIONS if p in targets}
        checked = _check_alignments(located, item, path, problems)
        if checked:
            competence["alignments"] = checked
        competences.append(competence)
    if not competences:
        problems.append(located.problem("a framework needs at least one competence", "competences"))
    sources = _check_sources(located, data, problems)
    if problems:
        raise FrameworkFileError(problems)
    return FrameworkData(slug=slug, version=version, title=title, description=description,
                         valid_from=data.get("valid_from"), valid_until=data.get("valid_until"), levels=levels,
                         areas=areas, competences=competences, sources=sources,
                         version_line=located.line("version"), slug_line=located.line("slug"),
                         area_lines=area_lines)


def read_yaml(text: str, file: str) -> FrameworkData:
    try:
        return check(load_text(text, file))
    except YamlProblem as error:
        raise FrameworkFileError([error.problem]) from error


class _Dumper(yaml.SafeDumper):
    """The layout of the shipped files: block style, lists indented under their key, long lines kept whole,
    double quotes where a text needs quoting ("1.1"), and several lines of text as a literal block."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def choose_scalar_style(self):
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


def _represent_str(dumper, value: str):
    # a literal block would give back U+0085 (NEL), U+2028 and U+2029 as plain line breaks: those are escaped
    if any(c in value for c in "\x85\u2028\u2029"):
        style = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def write_yaml(data: FrameworkData) -> str:
    return yaml.dump(data.as_dict(), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000,
                     default_flow_style=False)


# --- CSV: one row per text or value ---------------------------------------------------------------------

CSV_COLUMNS = ["record", "code", "area", "field", "en", "es", "pt_BR", "value"]
ALIGNMENT_FIELD = re.compile(r"^alignment:([0-9]{1,3}):(.*)$")
TARGET_FIELD = re.compile(r"^target:(.*)$")
WHOLE = re.compile(r"^-?[0-9]{1,9}$")
# The fields of each record; what the file's structure holds (a framework's levels, a competence's code) is no
# field of a row: read as one, it would replace that part of the framework
CSV_FIELDS = {"framework": ("slug", "version", "title", "description", "valid_from", "valid_until"),
              "level": ("name", "descriptor"), "area": ("title",),
              "competence": (*TRANSLATED_COMPETENCE_FIELDS, "validity_months", "target:POSITION",
                             "alignment:NUMBER:KEY")}
CSV_TEXTS = ("title", "description", "name", "descriptor", *TRANSLATED_COMPETENCE_FIELDS)  # en, es, pt_BR columns
CSV_VALUES = ("slug", "version", "valid_from", "valid_until", "validity_months")  # the value column
CSV_PARTS = {"framework": ("levels", "areas", "competences", "sources"), "level": ("number",), "area": ("code",),
             "competence": ("code", "area", "alignments", "targets")}
# The export writes a cell a spreadsheet would run as a formula with an apostrophe in front (safe_cell), and the
# import takes one away again: from a cell that is apostrophes followed by one of those characters, and from no
# other cell.
def _read_cell(value):
    return value[1:] if isinstance(value, str) and value.startswith("'") and FORMULA.match(value) else value


class _SafeWriter:
    def __init__(self, out):
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row):
        self._writer.writerow([safe_cell(cell) for cell in row])


def write_csv(data: FrameworkData) -> str:
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(CSV_COLUMNS)

    def text(record, code, area, name, value):
        writer.writerow([record, code, area, name, *(value.get(l, "") for l in ("en", "es", "pt_BR")), ""])

    def plain(record, code, area, name, value):
        writer.writerow([record, code, area, name, "", "", "", value])

    plain("framework", "", "", "slug", data.slug)
    plain("framework", "", "", "version", data.version)
    text("framework", "", "", "title", data.title)
    if data.description:
        text("framework", "", "", "description", data.description)
    for key in ("valid_from", "valid_until"):
        if getattr(data, key):
            plain("framework", "", "", key, getattr(data, key).isoformat())
    for level in data.levels:
        text("level", level["number"], "", "name", level["name"])
        text("level", level["number"], "", "descriptor", level["descriptor"])
    for area in data.areas:
        text("area", area["code"], "", "title", area["title"])
    for competence in data.competences:
        for key in TRANSLATED_COMPETENCE_FIELDS:
            text("competence", competence["code"], competence["area"], key, competence[key])
        if "validity_months" in competence:
            plain("competence", competence["code"], competence["area"], "validity_months",
                  competence["validity_months"])
        for position, level in competence.get("targets", {}).items():
            plain("competence", competence["code"], competence["area"], f"target:{position}", level)
        for number, alignment in enumerate(competence.get("alignments", []), start=1):
            for key, value in alignment.items():
                plain("competence", competence["code"], competence["area"], f"alignment:{number}:{key}", value)
    # a source is numbered in the code column; one row per key
    for number, source in enumerate(data.sources, start=1):
        for key, value in source.items():
            plain("source", number, "", key, value)
    return out.getvalue()


def _whole_or_text(value: str):
    return int(value) if WHOLE.match(value) else value


def read_csv(text: str, file: str) -> FrameworkData:
    """Rebuild the framework from its CSV form (the same checks as the YAML form, with CSV line numbers)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    problems: list[Problem] = []
    try:
        if next(reader, None) != CSV_COLUMNS:
            header = text.lstrip("\ufeff").partition("\n")[0]
            hint = (" (this file separates them with semicolons, as a spreadsheet set to Spanish or Portuguese "
                    "saves CSV: save it with commas)" if header.count(";") >= len(CSV_COLUMNS) - 1 else "")
            raise FrameworkFileError([Problem(file, 1, f"the columns must be {', '.join(CSV_COLUMNS)}{hint}")])
        rows, previous = [], reader.line_num
        for cells in reader:  # a row's line is where it starts (a text may run over several lines)
            start, previous = previous + 1, reader.line_num
            if not any(cells):  # a blank line, or a row a spreadsheet emptied (commas only)
                continue
            row = dict(zip(CSV_COLUMNS, [_read_cell(cell) for cell in cells] + [""] * len(CSV_COLUMNS)))
            if len(cells) > len(CSV_COLUMNS):
                row[None] = cells[len(CSV_COLUMNS):]
            rows.append((start, row))
    except csv.Error as error:
        raise FrameworkFileError([Problem(file, reader.line_num or 1, f"malformed CSV: {error}")]) from error
    data: dict = {"levels": [], "areas": [], "competences": []}
    lines: dict = {}
    items: dict[tuple[str, str], tuple[dict, tuple]] = {}
    lists = {"level": "levels", "area": "areas", "competence": "competences", "source": "sources"}

    def entry(record, code, area, line) -> tuple[dict, tuple]:
        key = (record, code)
        if key in items and record == "competence" and items[key][0]["area"] != area:
            first = lines[items[key][1]]
            problems.append(Problem(file, line, f"competence {code} is in area {items[key][0]['area']!r} on line "
                                                f"{first} but in area {area!r} here: give every row of a competence "
                                                f"the same area"))
        if key not in items:
            if record == "level":
                item = {"number": _whole_or_text(code)}
            elif record in ("area", "source"):
                item = {} if record == "source" else {"code": code}
            else:
                item = {"code": code, "area": area}
            found = data.setdefault(lists[record], [])
            found.append(item)
            path = (lists[record], len(found) - 1)
            lines[path] = line
            items[key] = item, path
        return items[key]

    for line, row in rows:
        if None in row:
            problems.append(Problem(file, line, f"this line has more than the {len(CSV_COLUMNS)} columns"))
            continue
        record, name = row["record"], row["field"]
        # line breaks inside a text are \n, as in the YAML form, whatever the spreadsheet wrote
        texts = {locale: row[locale].replace("\r\n", "\n") for locale in ("en", "es", "pt_BR") if row[locale]}
        value = row["value"]
        if record == "framework":
            target, path = data, ()
        elif record in lists:
            target, path = entry(record, row["code"], row["area"], line)
        else:
            problems.append(Problem(file, line, f"unknown record {record!r} (framework, level, area, competence "
                                                f"or source)"))
            continue
        if name in CSV_PARTS.get(record, ()):
            problems.append(Problem(file, line, f"unknown field {name!r} ({'an' if record == 'area' else 'a'} "
                                                f"{record} row gives its {', '.join(CSV_FIELDS[record])})"))
            continue
        alignment, position = ALIGNMENT_FIELD.match(name), TARGET_FIELD.match(name)
        field_path = path + (("alignments", int(alignment.group(1)) - 1, alignment.group(2)) if alignment
                             else ("targets", position.group(1)) if position else (name,))
        what = "framework" if record == "framework" else f"{record} {row['code']}"
        if field_path in lines:  # a second row for the same value would silently win
            problems.append(Problem(file, line, f"{what} {name} is given twice (first on line {lines[field_path]})"))
            continue
        # a cell of the other kind would be left out without a word
        if texts and (record == "source" or name.startswith(("alignment:", "target:")) or name in CSV_VALUES):
            problems.append(Problem(file, line, f"{what} {name} is given in the value column: leave en, es and "
                                                f"pt_BR empty"))
        elif value and record != "source" and name in CSV_TEXTS:
            problems.append(Problem(file, line, f"{what} {name} is a text in the en, es and pt_BR columns: leave "
                                                f"the value column empty"))
        if record == "source":
            target[name] = _whole_or_text(value) if name == "year" else value
            lines[path + (name,)] = line
        elif name.startswith("alignment:"):
            if record != "competence" or alignment is None or alignment.group(2) not in ALIGNMENT_KEYS:
                problems.append(Problem(file, line, f"unknown field {name!r}: an alignment's field is "
                                                    f"alignment:NUMBER:KEY, KEY one of {', '.join(ALIGNMENT_KEYS)}"))
                continue
            number, key = int(alignment.group(1)), alignment.group(2)
            alignments = target.setdefault("alignments", [])
            if not 1 <= number <= len(alignments) + 1:
                problems.append(Problem(file, line, f"alignment {number} of competence {row['code']} comes before "
                                                    f"alignment {len(alignments) + 1}: number alignments 1, 2, 3... "
                                                    f"in order"))
                continue
            if number == len(alignments) + 1:
                alignments.append({})
                lines[path + ("alignments", number - 1)] = line
            alignments[number - 1][key] = value
            lines[path + ("alignments", number - 1, key)] = line
        elif position is not None:
            target.setdefault("targets", {})[position.group(1)] = _whole_or_text(value)
            lines[path + ("targets", position.group(1))] = line
        else:
            if name in ("version", "validity_months"):
                target[name] = _whole_or_text(value)
            elif name in ("valid_from", "valid_until"):
                try:
                    target[name] = date.fromisoformat(value)
                except ValueError:
                    target[name] = value
            elif name == "slug":
                target[name] = value
            else:
                target[name] = texts
            lines[path + (name,)] = line
    try:
        framework = check(Located(data=data, lines=lines, file=file))
    except FrameworkFileError as error:
        raise FrameworkFileError(problems + error.problems) from error
    if problems:
        raise FrameworkFileError(problems)
    return framework
