"""Competence frameworks as files: ``courses/_frameworks/<slug>.yaml`` and a CSV form, read into checked data
(every problem with file and line) and written back out so that export -> import -> export is exact."""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

import yaml

from app.content_files import LOCALES_REQUIRED, Located, Problem, YamlProblem, load_text, translated

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
POSITIONS = ("manager", "technician")
TRANSLATED_COMPETENCE_FIELDS = ("title", "knowledge", "skills", "attitudes")


class FrameworkFileError(Exception):
    """The file has problems; nothing was imported."""

    def __init__(self, problems: list[Problem]):
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
        return data


def _ordered_text(value: dict) -> dict:
    return {locale: value[locale] for locale in LOCALES_REQUIRED if locale in value}


def check(located: Located) -> FrameworkData:
    """Check parsed framework data; raises FrameworkFileError listing every problem."""
    problems: list[Problem] = []
    data = located.data
    if not isinstance(data, dict):
        raise FrameworkFileError([located.problem("a framework file is a mapping (slug, version, title, ...)")])
    for key in data:
        if key not in {"slug", "version", "title", "description", "valid_from", "valid_until", "levels", "areas",
                       "competences"}:
            problems.append(located.problem(f"unknown key {key!r}", key))
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append(located.problem("slug must be lower-case letters, digits and hyphens", "slug"))
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(located.problem("version must be a whole number from 1", "version"))
    title = _ordered_text(translated(located, data.get("title"), ("title",), "title", problems))
    description = _ordered_text(translated(located, data["description"], ("description",), "description",
                                           problems)) if "description" in data else {}
    for key in ("valid_from", "valid_until"):
        if key in data and data[key] is not None and not isinstance(data[key], date):
            problems.append(located.problem(f"{key} must be a date such as 2026-01-31", key))
    if isinstance(data.get("valid_from"), date) and isinstance(data.get("valid_until"), date) \
            and data["valid_until"] < data["valid_from"]:
        problems.append(located.problem("valid_until is before valid_from", "valid_until"))

    levels = []
    numbers = set()
    for index, level in enumerate(data.get("levels") or []):
        path = ("levels", index)
        if not isinstance(level, dict):
            problems.append(located.problem("each level needs number, name and descriptor", *path))
            continue
        number = level.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            problems.append(located.problem("a level number is a whole number from 1", *path, "number"))
        elif number in numbers:
            problems.append(located.problem(f"level {number} is defined twice", *path, "number"))
        else:
            numbers.add(number)
        levels.append({"number": number,
                       "name": _ordered_text(translated(located, level.get("name"), path + ("name",),
                                                        f"level {number} name", problems)),
                       "descriptor": _ordered_text(translated(located, level.get("descriptor"),
                                                              path + ("descriptor",), f"level {number} descriptor",
                                                              problems))})
    if not levels:
        problems.append(located.problem("a framework needs its proficiency levels", "levels"))
    elif numbers and sorted(numbers) != list(range(1, len(numbers) + 1)):
        problems.append(located.problem("levels must be numbered 1, 2, 3... without gaps", "levels"))

    areas, area_codes = [], set()
    for index, area in enumerate(data.get("areas") or []):
        path = ("areas", index)
        code = area.get("code") if isinstance(area, dict) else None
        if not isinstance(code, str) or not CODE.match(code):
            problems.append(located.problem("an area needs a code of letters and digits", *path))
            continue
        if code in area_codes:
            problems.append(located.problem(f"area {code} is defined twice", *path, "code"))
        area_codes.add(code)
        areas.append({"code": code, "title": _ordered_text(translated(located, area.get("title"), path + ("title",),
                                                                      f"area {code} title", problems))})
    if not areas:
        problems.append(located.problem("a framework needs at least one area", "areas"))

    competences, codes = [], set()
    for index, item in enumerate(data.get("competences") or []):
        path = ("competences", index)
        if not isinstance(item, dict):
            problems.append(located.problem("each competence is a mapping", *path))
            continue
        for key in item:
            if key not in {"code", "area", "validity_months", "targets", "alignments",
                           *TRANSLATED_COMPETENCE_FIELDS}:
                problems.append(located.problem(f"unknown key {key!r}", *path, key))
        code = item.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            problems.append(located.problem("a competence needs a code of letters and digits, such as B1", *path))
            continue
        if code in codes:
            problems.append(located.problem(f"competence {code} is defined twice", *path, "code"))
        codes.add(code)
        if item.get("area") not in area_codes:
            problems.append(located.problem(f"competence {code} names an unknown area {item.get('area')!r}",
                                            *path, "area"))
        competence = {"code": code, "area": item.get("area")}
        for key in TRANSLATED_COMPETENCE_FIELDS:
            competence[key] = _ordered_text(translated(located, item.get(key), path + (key,),
                                                       f"competence {code} {key}", problems))
        if item.get("validity_months") is not None:
            months = item["validity_months"]
            if not isinstance(months, int) or isinstance(months, bool) or months < 1:
                problems.append(located.problem("validity_months is a whole number of months", *path,
                                                "validity_months"))
            competence["validity_months"] = months
        targets = item.get("targets") or {}
        if not isinstance(targets, dict):
            problems.append(located.problem("targets maps positions to levels", *path, "targets"))
            targets = {}
        for position, level in targets.items():
            if position not in POSITIONS:
                problems.append(located.problem(f"unknown position {position!r} in targets", *path, "targets",
                                                position))
            elif level not in numbers:
                problems.append(located.problem(f"target level {level} of competence {code} is outside the scale "
                                                f"(1-{len(numbers)})", *path, "targets", position))
        if targets:
            competence["targets"] = {p: targets[p] for p in POSITIONS if p in targets}
        alignments = item.get("alignments") or []
        if not isinstance(alignments, list):
            problems.append(located.problem("alignments is a list", *path, "alignments"))
            alignments = []
        checked = []
        for number, alignment in enumerate(alignments):
            apath = path + ("alignments", number)
            if not isinstance(alignment, dict) or not isinstance(alignment.get("framework"), str):
                problems.append(located.problem("an alignment names its framework (ESCO, DigComp, ...)", *apath))
                continue
            extra = set(alignment) - {"framework", "code", "uri", "name"}
            if extra:
                problems.append(located.problem(f"unknown key {sorted(extra)[0]!r} in an alignment", *apath))
            if not alignment.get("code") and not alignment.get("uri"):
                problems.append(located.problem("an alignment needs a code or a uri", *apath))
            if alignment.get("uri") and not str(alignment["uri"]).startswith(("http://", "https://")):
                problems.append(located.problem("an alignment uri is an http(s) address", *apath, "uri"))
            checked.append({k: str(alignment[k]) for k in ("framework", "code", "uri", "name") if alignment.get(k)})
        if checked:
            competence["alignments"] = checked
        competences.append(competence)
    if not competences:
        problems.append(located.problem("a framework needs at least one competence", "competences"))
    if problems:
        raise FrameworkFileError(problems)
    return FrameworkData(slug=slug, version=version, title=title, description=description,
                         valid_from=data.get("valid_from"), valid_until=data.get("valid_until"), levels=levels,
                         areas=areas, competences=competences)


def read_yaml(text: str, file: str) -> FrameworkData:
    try:
        return check(load_text(text, file))
    except YamlProblem as error:
        raise FrameworkFileError([error.problem]) from error


class _Dumper(yaml.SafeDumper):
    """Block style everywhere, long lines kept whole, so that files diff well and read like the originals."""


def write_yaml(data: FrameworkData) -> str:
    return yaml.dump(data.as_dict(), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000,
                     default_flow_style=False)


# --- CSV: one row per text or value ---------------------------------------------------------------------

CSV_COLUMNS = ["record", "code", "area", "field", "en", "es", "pt_BR", "value"]


def write_csv(data: FrameworkData) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
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
    return out.getvalue()


def read_csv(text: str, file: str) -> FrameworkData:
    """Rebuild the framework from its CSV form (the same checks as the YAML form, with CSV line numbers)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames != CSV_COLUMNS:
        raise FrameworkFileError([Problem(file, 1, f"the columns must be {', '.join(CSV_COLUMNS)}")])
    data: dict = {"levels": [], "areas": [], "competences": []}
    lines: dict = {}
    items: dict[tuple[str, str], dict] = {}

    def entry(record, code, area, line):
        key = (record, code)
        if key not in items:
            if record == "level":
                item = {"number": int(code) if code.isdigit() else code}
                data["levels"].append(item)
                lines[("levels", len(data["levels"]) - 1)] = line
            elif record == "area":
                item = {"code": code}
                data["areas"].append(item)
                lines[("areas", len(data["areas"]) - 1)] = line
            else:
                item = {"code": code, "area": area}
                data["competences"].append(item)
                lines[("competences", len(data["competences"]) - 1)] = line
            items[key] = item
        return items[key]

    for row in reader:
        line = reader.line_num
        record, name = row["record"], row["field"]
        texts = {locale: row[locale] for locale in ("en", "es", "pt_BR") if row[locale]}
        value = row["value"]
        if record == "framework":
            target, path = data, (name,)
        elif record in ("level", "area", "competence"):
            target = entry(record, row["code"], row["area"], line)
            path = None
        else:
            raise FrameworkFileError([Problem(file, line, f"unknown record {record!r}")])
        if name.startswith("target:"):
            target.setdefault("targets", {})[name[7:]] = int(value) if value.lstrip("-").isdigit() else value
        elif name.startswith("alignment:"):
            _, number, key = name.split(":", 2)
            alignments = target.setdefault("alignments", [])
            while len(alignments) < int(number):
                alignments.append({})
            alignments[int(number) - 1][key] = value
        elif name in ("version", "validity_months"):
            target[name] = int(value) if value.isdigit() else value
        elif name in ("valid_from", "valid_until"):
            try:
                target[name] = date.fromisoformat(value)
            except ValueError:
                target[name] = value
        elif name == "slug":
            target[name] = value
        else:
            target[name] = texts
        if path:
            lines[path] = line
    return check(Located(data=data, lines=lines, file=file))
