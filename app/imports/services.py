"""Checking a trainee list against the database, previewing it, and importing all of it or nothing."""
import csv
import difflib
import io
import re
from datetime import timedelta
from typing import Iterator

import sqlalchemy as sa
import sqlalchemy.orm as so
from babel.lists import format_list
from flask import current_app
from flask_babel import format_decimal, get_locale, gettext as _, lazy_gettext as _l, ngettext

from app.auth.models import (AccountToken, Position, Role, TokenPurpose, User, UserRole, is_email_address,
                             normalise_email)
from app.auth.permissions import can_manage_country, check, managed_country
from app.cohorts.models import Cohort
from app.cohorts.services import add_members
from app.config import LOCALES
from app.db import hold_row, utcnow
from app.errors import ValidationError
from app.extensions import db
from app.imports.models import BatchStatus, ImportBatch, ImportedPerson
from app.imports.parsing import UNREADABLE, FileProblem, fold, read_table
from app.places.models import Country, Institution, Region
from app.places.names import region_name
from app.signals import cohort_deleting
from app.text import INVISIBLE, one_line, plain, safe_cell

POSITIONS = {fold(v): Position.MANAGER for v in (
    "manager", "directivo", "directiva", "directivo/a", "director", "directora", "director/a", "diretor",
    "diretora", "gerente", "jefe", "jefa", "gestor", "gestora", "gestor(a)", "dirigente", "subdirector",
    "subdirectora", "subgerente", "director(a)", "diretor(a)", "jefe(a)", "jefe/a")}
POSITIONS.update({fold(v): Position.TECHNICIAN for v in (
    "technician", "technical", "tecnico", "tecnica", "tecnico/a", "tecnico(a)", "profesional", "profissional",
    "analista")})


def _position(value: str) -> Position | None:
    """The position a cell names: a word of POSITIONS, or a job title that starts with one ("Jefa de División",
    "Analista de proyectos", "Diretor de Inovação"), as a public body's list of its staff writes them. A title that
    starts with a technician's word and names a manager later ("Technical Director", "Profesional Jefe") is not
    guessed: the preview asks for it."""
    key = fold(value)
    if key in POSITIONS:
        return POSITIONS[key]
    first, *rest = key.split() or [""]
    position = POSITIONS.get(first)
    # the words after it, whatever the punctuation around them ("Jefe,", "(Jefe", "lead/manager", "Jefe(a)")
    if position is Position.TECHNICIAN and any(POSITIONS.get(word) is Position.MANAGER
                                               for word in re.findall(r"\w+", " ".join(rest))):
        return None
    return position


LANGUAGES = {fold(v): "es" for v in ("es", "espanol", "spanish", "castellano", "en espanol", "em espanhol",
                                      "espanhol")}
LANGUAGES.update({fold(v): "pt_BR" for v in ("pt", "pt_br", "pt-br", "portugues", "portuguese", "portugues (brasil)",
                                             "en portugues", "em portugues", "portugues do brasil")})
LANGUAGES.update({fold(v): "en" for v in ("en", "english", "ingles", "en ingles", "em ingles", "in english")})

# names compared in search of an institution spelled a little otherwise (difflib: up to some 70 µs each): a few
# seconds; the names of a long list not reached then are reported without a suggestion
MAX_NEAR_COMPARISONS = 30_000

# problem code -> message; params fill the %(...)s
MESSAGES = {
    "required": _l("%(column)s is empty"),
    "email": _l("“%(value)s” is not an e-mail address"),
    "duplicate": _l("The same e-mail address is on line %(other)s"),
    "taken": _l("An account with this e-mail address already exists: take this line out of the file (people who "
                "already have an account join a cohort from the cohort's page)"),
    "taken_elsewhere": _l("An account with this e-mail address already exists, for someone of another country: take "
                          "this line out of the file (an administrator can move a person to another country)"),
    "position": _l("“%(value)s” is not a position: write manager or technician"),
    "institution": _l("No institution called “%(value)s” in this country: write the name as the list of "
                      "institutions has it, or add the institution there first"),
    "institution_near": _l("No institution called “%(value)s” in this country: did you mean “%(suggestion)s”? "
                           "Write its name as Itinera has it"),
    "region": _l("No region called “%(value)s” in this country"),
    "region_near": _l("No region called “%(value)s” in this country: did you mean “%(suggestion)s”?"),
    "region_ambiguous": _l("“%(value)s” may be either of two regions: write %(choices)s"),
    "language": _l("“%(value)s” is not a language: write es, pt_BR or en"),
    "too_long": _l("%(column)s is longer than %(limit)s characters"),
    "unreadable": _l("%(column)s holds an unreadable character: check the file's encoding, or retype the cell"),
    "no_letters": _l("“%(value)s” is not a name: write the person's full name"),
    # problems with the whole file
    "empty": _l("The file is empty"),
    "no_rows": _l("The file names the columns but has no rows of people under them"),
    "encoding": _l("The file's characters could not be read: save it as CSV UTF-8 and upload it again"),
    "format": _l("This kind of file cannot be read: save it as CSV or as an Excel workbook (.xlsx)"),
    "xlsx": _l("The file could not be opened as an Excel workbook (.xlsx)"),
    "csv": _l("The file is not valid CSV near line %(line)s"),
    "long_cell": _l("A cell starting on line %(line)s runs longer than %(limit)s characters: most often a "
                    "quotation mark opened in it is never closed"),
    "columns": _l("Columns missing on line %(line)s: %(missing)s. A row above the people must name the columns."),
    "email_columns": _l("The file has two e-mail columns, “%(plain)s” and “%(work)s”: keep only the one with the "
                        "addresses the accounts should have (delete the other, or title it “Personal e-mail”) and "
                        "upload the file again"),
    "too_many": _l("The file has %(count)s rows; the limit is %(limit)s: split it into smaller files"),
    "too_many_more": _l("The file has more than %(limit)s rows: split it into smaller files"),
    "too_big": _l("The workbook holds more than %(limit)s cells, or unpacks to more than 64 MB: keep only the "
                  "list of people in it, or save it as CSV"),
    "formulas": _l("Cell %(cell)s of the sheet “%(sheet)s” holds a formula whose result was never saved (as in "
                   "files that programs write): open the file in a spreadsheet program, save it, and upload it "
                   "again"),
}
COLUMN_NAMES = {"email": _l("E-mail address"), "full_name": _l("Full name"), "position": _l("Position"),
                "institution": _l("Institution"), "region": _l("Region"), "language": _l("Language")}


def column_name(field: str) -> str:
    return str(COLUMN_NAMES.get(field, ""))


def message(problem: dict) -> str:
    params = dict(problem.get("params") or {})
    if "column" in params:
        params["column"] = str(COLUMN_NAMES.get(params["column"], params["column"]))
    if problem["code"] == "region_ambiguous":  # each region with the name that is its own, and its code
        params["choices"] = format_list([f"“{REGION_CHOICES[code]}” ({code})" for code in params["choices"]],
                                        style="or", locale=get_locale())
    if "missing" in params:
        params["missing"] = ", ".join(str(COLUMN_NAMES.get(m, m)) for m in params["missing"])
    for name in ("count", "limit"):  # amounts, written as the reader's language writes numbers
        if isinstance(params.get(name), int):
            params[name] = format_decimal(params[name])
    said = str(MESSAGES[problem["code"]]) % params
    if problem["code"] == "columns" and params.get("titles"):  # what the file has, to see which to rename
        said += " " + _titles_found(params["titles"], params.get("more", 0))
    return said


def _titles_found(titles: list[str], more: int) -> str:
    names = [f"“{title}”" for title in titles]
    if more:
        names.append(ngettext("%(count)s more", "%(count)s more", more, count=format_decimal(more)))
    return ngettext("The only title found on that line is %(titles)s.", "The titles found on that line are "
                    "%(titles)s.", len(titles) + more, titles=format_list(names, locale=get_locale()))


COHORT_DELETED = "cohort_deleted"  # a batch's note: the cohort chosen for its people was deleted since


@cohort_deleting.connect
def _cohort_deleting(cohort, **_kwargs) -> None:
    """The imports still waiting to put their people into this cohort keep its name and are refused until the
    file is uploaded again: else their people would go into no cohort without a word."""
    for batch in db.session.scalars(sa.select(ImportBatch).where(ImportBatch.cohort_id == cohort.id,
                                                                 ImportBatch.status == BatchStatus.PREVIEW)):
        batch.notes = [*(batch.notes or []), {"code": COHORT_DELETED, "params": {"cohort": cohort.name}}]


def deleted_cohort(batch: ImportBatch) -> str | None:
    """The name of the cohort chosen for the batch's people, if it was deleted after the file was checked."""
    return next((note["params"]["cohort"] for note in batch.notes or [] if note["code"] == COHORT_DELETED), None)


def cohort_deleted_message(name: str) -> str:
    return _("The cohort “%(cohort)s” chosen for these people was deleted after the file was checked: upload the "
             "file again, to choose another cohort or none.", cohort=name)


def cohort_problem(batch: ImportBatch) -> str | None:
    """Why the cohort chosen for the batch's people can no longer take them: deleted, or moved to another country
    (by an admin, while it was empty) after the file was checked; None when it can, or none was chosen."""
    gone = deleted_cohort(batch)
    if gone is not None:
        return cohort_deleted_message(gone)
    if batch.cohort is not None and batch.cohort.country_code != batch.country_code:
        return _("The cohort “%(cohort)s” chosen for these people now belongs to another country: upload the file "
                 "again, to choose another cohort or none.", cohort=batch.cohort.name)
    return None


def note_message(note: dict) -> str:
    """What the preview says about a part of the file left out on purpose."""
    params = note["params"]
    if note["code"] == "hidden_sheet":
        return _("The hidden sheet “%(sheet)s” was not read.", sheet=params["sheet"])
    if note["code"] in ("unread_columns", "repeated_columns"):
        names = [f"“{title}”" for title in params["columns"]]
        more = params.get("more", 0)
        if more:
            names.append(ngettext("%(count)s more", "%(count)s more", more, count=format_decimal(more)))
        count, columns = len(params["columns"]) + more, format_list(names, locale=get_locale())
        if note["code"] == "repeated_columns":
            return ngettext("The column %(columns)s repeats one read before it: only the first was read.",
                            "The columns %(columns)s repeat ones read before them: only the first of each was read.",
                            count, columns=columns)
        return ngettext("The column %(columns)s was not read: the import does not know what it holds.",
                        "The columns %(columns)s were not read: the import does not know what they hold.",
                        count, columns=columns)
    if note["code"] == "untitled_cells":
        lines = [format_decimal(line) for line in params["lines"]]
        more = params.get("more", 0)
        if more:
            lines.append(ngettext("%(count)s more", "%(count)s more", more, count=format_decimal(more)))
        count = len(params["lines"]) + more
        return ngettext("Cells under no column title were not read, on %(count)s row: line %(lines)s.",
                        "Cells under no column title were not read, on %(count)s rows: lines %(lines)s.", count,
                        count=format_decimal(count), lines=format_list(lines, locale=get_locale()))
    if note["code"] == "hidden_columns":
        return ngettext("%(count)s column hidden in the sheet “%(sheet)s” was left out.",
                        "%(count)s columns hidden in the sheet “%(sheet)s” were left out.", params["count"],
                        count=format_decimal(params["count"]), sheet=params["sheet"])
    return ngettext("%(count)s row hidden in the sheet “%(sheet)s” (filtered out, or hidden by hand) was left out.",
                    "%(count)s rows hidden in the sheet “%(sheet)s” (filtered out, or hidden by hand) were left "
                    "out.", params["count"], count=format_decimal(params["count"]), sheet=params["sheet"])


# how a region's name may be written in full: "Región del Biobío", "Estado de São Paulo", "Departamento de Lima".
# Only the types that name the first-level division itself: "Provincia de Lima" and "Ciudad de Buenos Aires" are
# other divisions than Lima and Buenos Aires, and stay unknown unless written as ISO 3166-2 names them (Argentina's
# provinces aside: PROVINCE_PREFIXES).
REGION_PREFIX = re.compile(r"^(?:region|regiao|estado|state|departamento|department)\s+(?:(?:de|del|de la|do|"
                           r"da|of|the)\s+)?")


# a Chilean region's number beside its name: "XIV Región de Los Ríos", "Región XIV de Los Ríos", "Región XIV - Los
# Ríos", "Región de Los Ríos (XIV)"
NUMBERED_REGION = re.compile(r"^(?P<before>[ivx]+)\s+(?=region\b)|^(?P<region>region)\s+(?P<after>[ivx]+)\b[\s:,.\-–—]*"
                             r"(?=\S)|\s*\((?P<within>[ivx]+)\)$")


def _region_key(value: str, lookup: dict[str, str]) -> str:
    """The lookup key of a region as written, its type ("Región del ...") or its number dropped when the name alone
    is known, and is the region of that number (a number and a name of two regions are neither)."""
    key = fold(value)
    numbers = []

    def unnumbered(match: re.Match) -> str:
        numbers.append(match.group("before") or match.group("after") or match.group("within"))
        return "region " if match.group("region") else ""

    named = NUMBERED_REGION.sub(unnumbered, key)
    for candidate in (key, REGION_PREFIX.sub("", key), named, REGION_PREFIX.sub("", named)):
        if candidate in lookup:
            if candidate in (key, REGION_PREFIX.sub("", key)) or all(
                    lookup.get(number, lookup[candidate]) == lookup[candidate] for number in numbers):
                return candidate
            return key
    return key


# how people write the capitals that ISO 3166-2 names otherwise
REGION_ALIASES = {
    "AR-C": ("CABA", "Capital Federal", "Ciudad de Buenos Aires"),
    "MX-CMX": ("CDMX", "Distrito Federal", "Ciudad de Mexico"),
    # Peru's capital: the province of Lima, whose municipality governs it as a region (PE-LMA), is not the region of
    # Lima around it, "Lima Provincias" (PE-LIM); either is "Lima" (AMBIGUOUS_REGIONS)
    "PE-LMA": ("Lima Metropolitana", "Provincia de Lima", "Ciudad de Lima", "Metropolitan Lima", "Province of Lima"),
    "PE-LIM": ("Lima Provincias", "Región Lima", "Región de Lima", "Región Lima Provincias",
               "Gobierno Regional de Lima", "Lima Region", "Lima Provinces"),
    "CO-DC": ("Bogotá", "Bogotá D.C.", "Bogotá, D.C.", "Distrito Capital"),
    "CL-RM": ("Región Metropolitana", "Metropolitana", "RM", "Santiago"),
    "BR-DF": ("Brasília",),
    # the short names of the regions ISO 3166-2 names in full, or as nobody writes them any more
    "AR-B": ("Provincia de Buenos Aires",),
    "AR-V": ("Tierra del Fuego, Antártida e Islas del Atlántico Sur",),
    "MX-COA": ("Coahuila",),
    "MX-MIC": ("Michoacán",),
    "MX-VER": ("Veracruz",),
    "MX-MEX": ("Edomex",),
    "MX-QUE": ("Querétaro de Arteaga",),
    "CO-SAP": ("San Andrés", "San Andrés y Providencia"),
    "CO-VAC": ("Valle",),
    "PE-CAL": ("Callao", "Provincia Constitucional del Callao", "Provincia del Callao", "Gobierno Regional del Callao",
               "Callao Region"),
    "PE-CUS": ("Cuzco",),
    # Chile's own names of the regions ISO 3166-2 spells otherwise, or with the full honorific
    "CL-LI": ("O'Higgins", "Libertador Bernardo O'Higgins"),
    "CL-AI": ("Aysén", "Aysén del General Carlos Ibáñez del Campo"),
    "CL-AR": ("Araucanía",),
    "CL-BI": ("Bío Bío", "Bío-Bío"),
    "CL-MA": ("Magallanes y la Antártica Chilena", "Magallanes y de la Antártica Chilena"),
}

# names that are two regions' (written alone, with a type, or in English), and what to write for each instead:
# Lima's department holds both; "Lima Province" is the capital's province, or Lima Provincias translated
AMBIGUOUS_REGIONS = {"lima": ("PE-LMA", "PE-LIM"), "lima province": ("PE-LMA", "PE-LIM")}
REGION_CHOICES = {"PE-LMA": "Lima Metropolitana", "PE-LIM": "Lima Provincias"}

# Chile's regions by their numbers, as its public bodies still write them ("V Región", "Región V", "VIII")
CHILEAN_NUMBERS = {"CL-TA": "I", "CL-AN": "II", "CL-AT": "III", "CL-CO": "IV", "CL-VS": "V", "CL-LI": "VI",
                   "CL-ML": "VII", "CL-BI": "VIII", "CL-AR": "IX", "CL-LL": "X", "CL-AI": "XI", "CL-MA": "XII",
                   "CL-RM": "XIII", "CL-LR": "XIV", "CL-AP": "XV", "CL-NB": "XVI"}

PROVINCE_PREFIXES = ("provincia de", "provincia del", "pcia. de", "pcia de", "prov. de", "prov de")

# what Excel, LibreOffice and Google Sheets show (and save) for a formula that failed, in English as in Spanish
# ("#¡VALOR!", "#¿NOMBRE?") and Portuguese: "#N/A" has letters, but is nobody's name
SPREADSHEET_ERRORS = {"#N/A", "#N/D", "#N/D!", "#NAME?", "#NOMBRE?", "#NOME?", "#REF!", "#VALUE!", "#VALOR!",
                      "#DIV/0!", "#NUM!", "#NÚM!", "#NULL!", "#NULO!", "#SPILL!", "#DESBORDAMIENTO!", "#CALC!",
                      "#GETTING_DATA", "#ERROR!", "ERROR:502", "ERR:502", "#FIELD!", "#BLOCKED!", "#CONNECT!",
                      "#BUSY!", "#UNKNOWN!", "#NAME"}


def _is_spreadsheet_error(value: str) -> bool:
    return value.upper().replace("¡", "").replace("¿", "") in SPREADSHEET_ERRORS

LANGUAGE_TAG = re.compile(r"([a-z]{2})[ -](?:[a-z]{2}|\d{3}|[a-z]{4})")


def _language(value: str) -> str | None:
    """The interface language a cell names: es, pt_BR or en, in words or as a language tag (es-CL, pt-PT)."""
    key = fold(value)
    if key in LANGUAGES:
        return LANGUAGES[key]
    # a tag with a region or script (es-CL, es_CL, pt-PT, es-419, en-Latn), not a phrase ("en español")
    tag = LANGUAGE_TAG.fullmatch(key)
    return {"es": "es", "pt": "pt_BR", "en": "en"}.get(tag.group(1)) if tag else None


def _near_region(key: str, lookup: dict[str, str]) -> str | None:
    """The code of the region whose name (or code) ``key`` is a slip of the keyboard away from ("Antioqia"), if
    any. A country has a few dozen regions: every name is compared."""
    near = difflib.get_close_matches(key, [name for name in lookup if len(name) > 3], n=1, cutoff=0.8)
    if near:
        return lookup[near[0]]
    # the first words of one region's name ("Minas" for Minas Gerais); of several ("Rio"), none
    started = {code for name, code in lookup.items() if name.startswith(key + " ")} if len(key) > 3 else set()
    return started.pop() if len(started) == 1 else None


def _region_lookup(country_code: str) -> dict[str, str]:
    lookup = {}
    for region in db.session.scalars(sa.select(Region).where(Region.country_code == country_code)):
        lookup[fold(region.code)] = region.code
        lookup[fold(region.code.split("-", 1)[1])] = region.code
        for locale in LOCALES:
            name = fold(region_name(region.code, locale))
            lookup.setdefault(name, region.code)
            # "Región Metropolitana de Santiago" is written "Metropolitana de Santiago" too
            lookup.setdefault(REGION_PREFIX.sub("", name), region.code)
        for alias in REGION_ALIASES.get(region.code, ()):
            lookup.setdefault(fold(alias), region.code)
        if country_code == "AR":  # Argentina's regions are its provinces: "Provincia de Córdoba" is Córdoba
            for name in {fold(region_name(region.code, locale)) for locale in LOCALES}:
                for prefix in PROVINCE_PREFIXES:
                    lookup.setdefault(f"{prefix} {name}", region.code)
        if region.code in CHILEAN_NUMBERS:
            number = CHILEAN_NUMBERS[region.code].lower()
            for alias in (number, f"{number} region", f"region {number}"):
                lookup.setdefault(alias, region.code)
    for name, codes in AMBIGUOUS_REGIONS.items():
        if lookup.get(name) in codes:  # ISO 3166-2 calls one of them so: asked which, as any other way of writing it
            del lookup[name]
    return lookup


def _ambiguous_region(value: str, country_code: str) -> tuple[str, ...] | None:
    """The regions a name written may be either of, with or without its type ("Departamento de Lima"); None for
    a name that is one region's, or none."""
    key = fold(value)
    for candidate in (key, REGION_PREFIX.sub("", key)):
        codes = AMBIGUOUS_REGIONS.get(candidate, ())
        if codes and all(code.startswith(f"{country_code}-") for code in codes):
            return codes
    return None


def _institution_key(name: str) -> str:
    """An institution's name as a row and the list of institutions are compared: case and accents aside, and
    without the marks beyond ASCII a row may leave out (curly quotes, dashes, a soft hyphen, a zero-width space),
    as fold does; but every letter kept, which fold drops outside A-Z (a name written in Greek or Cyrillic)."""
    kept = "".join(c for c in plain(name) if c.isascii() or c.isalnum())
    return " ".join(kept.replace("_", " ").split())


# a name ending in its acronym, "Corporación de Fomento de la Producción (CORFO)": a list writes either part alone.
# An acronym is one word with two capitals at least (CORFO, MinCiencia): "(Sede Norte)" or "(Temuco)" is a campus or
# a place, and the name without it is another institution's, or none
WITH_ACRONYM = re.compile(r"(.+?)\s*\((\S*[A-ZÀ-Þ]\S*[A-ZÀ-Þ]\S*)\)")


def _institution_aliases(named: dict[str, Institution]) -> dict[str, int]:
    """The parts of the names that end in an acronym, each to its institution, where no other institution's name
    is, or gives, the same (two bodies abbreviated alike are found by neither abbreviation)."""
    found: dict[str, set[int]] = {}
    for institution in named.values():
        if parts := WITH_ACRONYM.fullmatch(institution.name.strip()):
            for part in parts.groups():
                found.setdefault(_institution_key(part), set()).add(institution.id)
    return {key: ids.pop() for key, ids in found.items() if len(ids) == 1 and key and key not in named}


NAMED_ADDRESS = re.compile(r"([^<>]*)<([^<>]+)>")


def _email(row: dict) -> str:
    """The address of a row as the account takes it: as the account form does (a BOM or soft hyphen from the file
    left out), a link's address copied instead of its text without its "mailto:", and one copied with its name."""
    value = normalise_email(" ".join((row.get("email") or "").split())).removeprefix("mailto:")
    # a recipient copied from a mail program, "Name <address>": the address, unless the name is another address
    if named := NAMED_ADDRESS.fullmatch(value):
        name, address = named.group(1).strip(" \"'"), named.group(2).strip()
        if "@" not in name or name == address:
            return address
    return value


def check_rows(country_code: str, rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Clean each row and list every problem (line, field, code, params). Queries in bulk: 5,000 rows are quick."""
    problems: list[dict] = []
    named = {_institution_key(i.name): i for i in db.session.scalars(
        sa.select(Institution).where(Institution.country_code == country_code))}
    institutions = {key: institution.id for key, institution in named.items()} | _institution_aliases(named)
    nearest: dict[str, list[str]] = {}
    near_regions: dict[str, str | None] = {}  # once per name too: 10,000 rows with one slip compared it each time
    regions = _region_lookup(country_code)
    first_line_of: dict[str, int] = {}
    clean_rows = []

    def problem(line, field, code, **params):
        problems.append({"line": line, "field": field, "code": code, "params": params})

    for row in rows:
        line = row["line"]
        clean = {"line": line}
        unreadable = {column for column in COLUMN_NAMES if UNREADABLE in (row.get(column) or "")}
        for column in sorted(unreadable):
            problem(line, column, "unreadable", column=column)
        for column, limit in (("email", 254), ("full_name", 200)):
            value = _email(row) if column == "email" else " ".join((row.get(column) or "").split())
            if not value:
                problem(line, column, "required", column=column)
            elif len(value) > limit:
                problem(line, column, "too_long", column=column, limit=limit)
            elif column == "full_name" and column not in unreadable and (
                    not any(c.isalpha() for c in INVISIBLE.sub("", value)) or _is_spreadsheet_error(value)):
                # a number, a date, or what a spreadsheet shows for a formula that failed (a lookup with no match)
                problem(line, column, "no_letters", value=value)
            # a name without what shows nothing in it (a zero-width space, a direction override), as the forms keep it
            clean[column] = (one_line(value) or value) if column == "full_name" else value
        email = clean["email"]
        if "email" in unreadable:
            pass
        elif email and not is_email_address(email):
            problem(line, "email", "email", value=row.get("email"))
        elif email in first_line_of:
            problem(line, "email", "duplicate", other=first_line_of[email])
        elif email:
            first_line_of[email] = line

        position = row.get("position") or ""
        if not position:
            problem(line, "position", "required", column="position")
        elif "position" in unreadable:
            pass
        elif (read := _position(position)) is None:
            problem(line, "position", "position", value=position)
        else:
            clean["position"] = read.value

        for column, lookup, target in (("institution", institutions, "institution_id"), ("region", regions,
                                                                                        "region_code")):
            value = row.get(column) or ""
            key = _institution_key(value) if column == "institution" else _region_key(value, lookup)
            ambiguous = column == "region" and key not in lookup and _ambiguous_region(value, country_code)
            if value and column not in unreadable and ambiguous:
                problem(line, column, "region_ambiguous", value=value, choices=list(ambiguous))
            elif value and column not in unreadable and key not in lookup:
                if column == "institution" and key not in nearest:  # once per name: a list repeats its names
                    affordable = (len(nearest) + 1) * len(named) <= MAX_NEAR_COMPARISONS
                    nearest[key] = difflib.get_close_matches(key, named, n=1, cutoff=0.8) if affordable else []
                if column == "region" and key not in near_regions:
                    near_regions[key] = _near_region(key, lookup)
                near = nearest.get(key) if column == "institution" else near_regions[key]
                if near and column == "institution":  # the same one spelled a little otherwise: what to write
                    problem(line, column, "institution_near", value=value, suggestion=named[near[0]].name)
                elif near:
                    problem(line, column, "region_near", value=value, suggestion=region_name(near, short=True))
                else:
                    problem(line, column, column, value=value)
            clean[target] = lookup.get(key) if value else None

        language = row.get("language") or ""
        if language and "language" not in unreadable and _language(language) is None:
            problem(line, "language", "language", value=language)
        clean["locale"] = _language(language) if language else None
        clean_rows.append(clean)

    emails = list(first_line_of)
    for start in range(0, len(emails), 500):
        for taken, country in db.session.execute(sa.select(User.email, User.country_code).where(
                User.email.in_(emails[start:start + 500]))):
            # someone of another country joins none of this one's cohorts: no advice to add them from there
            problem(first_line_of[taken], "email", "taken" if country == country_code else "taken_elsewhere")
    columns = list(COLUMN_NAMES)  # a row's problems in the order of its columns, as it is read
    problems.sort(key=lambda p: (p["line"], columns.index(p["field"]) if p["field"] in columns else len(columns)))
    return clean_rows, problems


def as_read(actor: User, batch: ImportBatch, rows: list[dict]) -> list[dict]:
    """How ``rows`` of ``batch`` are read: for each, the position (its value), the institution (its name as
    Itinera has it) and the region (its name) they stand for, None where the row names none or one not found,
    and the language the account will have (the country's where the row names none; None for one not known)."""
    from app.auth.tokens import default_locale_for

    check(can_manage_country(actor, batch.country_code))
    clean, _problems = check_rows(batch.country_code, rows)
    ids = {row["institution_id"] for row in clean if row.get("institution_id")}
    names = dict(db.session.execute(sa.select(Institution.id, Institution.name).where(Institution.id.in_(ids)))
                 .all()) if ids else {}
    fallback = default_locale_for(batch.country_code)
    return [{"position": row.get("position"), "institution": names.get(row.get("institution_id")),
             "region": region_name(row["region_code"], short=True) if row.get("region_code") else None,
             "locale": row["locale"] or (None if written.get("language") else fallback)}
            for row, written in zip(clean, rows)]


def _check_country(actor: User, country_code: str) -> None:
    if db.session.get(Country, country_code or "") is None:
        raise ValidationError({"country_code": _l("Choose a country from the list")})
    if not can_manage_country(actor, country_code):
        raise ValidationError({"country_code": _l("You can only manage people of your own country")})


def preview(actor: User, *, filename: str, data: bytes, country_code: str, cohort_id: int | None = None,
            send_invitations: bool = True) -> ImportBatch:
    """Read and check a file; the batch keeps the rows and problems until someone confirms the import."""
    check(actor.is_admin or managed_country(actor) is not None)
    _check_country(actor, country_code)
    if cohort_id is not None:
        cohort = db.session.get(Cohort, cohort_id)
        if cohort is None or cohort.country_code != country_code:
            raise ValidationError({"cohort_id": _l("Choose a cohort of the same country")})
    try:
        parsed = read_table(filename, data)
    except FileProblem as error:
        raise ValidationError({"file": message({"code": error.code, "params": error.params})}) from error
    if not parsed.rows:
        raise ValidationError({"file": message({"code": "empty"})})
    _rows, problems = check_rows(country_code, parsed.rows)
    purge_expired()  # as sign-ins and form tokens are: the next upload sweeps (and `flask imports purge`, by cron)
    batch = ImportBatch(created_by_id=actor.id, country_code=country_code, cohort_id=cohort_id,
                        send_invitations=send_invitations, filename=_safe_filename(filename),
                        rows=parsed.rows, problems=problems, notes=parsed.notes)
    db.session.add(batch)
    db.session.flush()
    return batch


# the end of the problems file's name, "lista-problems.csv": one word, its letters as the language writes them (the
# download's header gives an ASCII name beside it, text.attachment)
PROBLEMS_FILE_WORD = _l("problems")


def problems_csv(batch: ImportBatch) -> tuple[bytes, str]:
    """Every problem of a batch as a CSV file (UTF-8 with a BOM and semicolons, as spreadsheets here open it),
    and a name for it made of the uploaded file's name and a word of the reader's language (letters, digits, - and
    _ only: nothing a header or a file system reads otherwise)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Line"), _("Column"), _("Problem")])
    for problem in batch.problems:  # a message holds what the file held: never a formula where it is opened
        writer.writerow([safe_cell(cell) for cell in (problem["line"], column_name(problem["field"]),
                                                      message(problem))])
    stem = "".join(c for c in batch.filename.rsplit(".", 1)[0] if c.isalnum() or c in "-_")[:60] or "import"
    word = "".join(c for c in "-".join(str(PROBLEMS_FILE_WORD).split()) if c.isalnum() or c in "-_") or "problems"
    return out.getvalue().encode("utf-8-sig"), f"{stem}-{word}.csv"


def _safe_filename(filename: str | None) -> str:
    """The uploaded file's name as shown on the preview: no control characters (NUL fits in no column)."""
    name = "".join(c for c in (filename or "") if c.isprintable()).strip()
    return (name or "upload")[:255]


def get_batch(actor: User, batch_id: int) -> ImportBatch | None:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is not None:
        check(can_manage_country(actor, batch.country_code))
    return batch


def purged_message() -> str:
    days = current_app.config["IMPORT_PREVIEW_DAYS"]
    return ngettext("This file was uploaded more than %(days)s day ago and never imported: its rows have been "
                    "deleted, with the names and addresses they held. Upload the file again to import it.",
                    "This file was uploaded more than %(days)s days ago and never imported: its rows have been "
                    "deleted, with the names and addresses they held. Upload the file again to import it.",
                    days, days=format_decimal(days))


def purge_expired() -> tuple[int, int]:
    """Drop the rows and problems (names and addresses of people, maybe never imported) of the files uploaded
    more than IMPORT_PREVIEW_DAYS ago and never imported, and of those imported that long ago. Each batch keeps
    its record: who uploaded which file for which country, when, and for an import how many people it created
    and who they are (``ImportedPerson``). A preview whose rows are gone can no longer be imported; its page says
    why. Returns how many previews and how many imports were purged; flushes."""
    now = utcnow()
    cutoff = now - timedelta(days=current_app.config["IMPORT_PREVIEW_DAYS"])
    counts = []
    for status, moment in ((BatchStatus.PREVIEW, ImportBatch.created_at),
                           (BatchStatus.IMPORTED, ImportBatch.imported_at)):
        # status in the WHERE clause: a confirmation under way (holding the row) leaves its preview alone, as
        # the confirmation's claim leaves a preview purged meanwhile
        counts.append(db.session.execute(
            sa.update(ImportBatch).where(ImportBatch.status == status, ImportBatch.purged_at.is_(None),
                                         moment < cutoff)
            .values(rows=[], problems=[], purged_at=now).execution_options(synchronize_session="fetch")).rowcount)
    return counts[0], counts[1]


class RowsChanged(ValidationError):
    """The second check at confirmation found problems: they are kept on the batch (commit them) and nothing is
    imported. Any other ValidationError of run_import leaves nothing to keep (roll back)."""


def run_import(actor: User, batch: ImportBatch) -> int:
    """Create every account of the batch, or none if any row has a problem now. Returns how many."""
    from app.auth.tokens import default_locale_for, send_invitations
    from app.notifications.services import notify

    check(can_manage_country(actor, batch.country_code))
    # Claim the batch in the database, not on the object read earlier: of two confirmations sent at once (a
    # double click), the second waits for the first's row lock and then finds nothing left to claim.
    claimed = db.session.execute(
        sa.update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == BatchStatus.PREVIEW,
                                     ImportBatch.purged_at.is_(None))
        .values(status=BatchStatus.IMPORTED)).rowcount
    if not claimed:
        db.session.refresh(batch)
        if batch.status is BatchStatus.PREVIEW:  # its rows purged since the page was shown
            raise ValidationError({"batch": purged_message()})
        raise ValidationError({"batch": _l("This file has already been imported")})
    refused = cohort_problem(batch)
    if refused is not None:  # (rolled back: the claim with it)
        raise ValidationError({"batch": refused})
    rows, problems = check_rows(batch.country_code, batch.rows)
    if problems:
        # something changed since the preview (e.g. an address was taken): release the claim, keep the problems
        batch.status, batch.problems = BatchStatus.PREVIEW, problems
        db.session.flush()
        raise RowsChanged({"batch": _l("Some rows have problems: nothing has been imported")})
    fallback_locale = default_locale_for(batch.country_code)
    users = []
    for row in rows:
        user = User(email=row["email"], full_name=row["full_name"], country_code=batch.country_code,
                    institution_id=row["institution_id"], region_code=row["region_code"],
                    position=Position(row["position"]), locale=row["locale"] or fallback_locale)
        user.role_rows = [UserRole(role=Role.TRAINEE)]
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    db.session.execute(sa.insert(ImportedPerson), [{"batch_id": batch.id, "user_id": user.id} for user in users])
    if batch.send_invitations:
        send_invitations(actor, users)
    if batch.cohort_id is not None and batch.cohort is not None:
        add_members(actor, batch.cohort, users)
    batch.status, batch.imported_at, batch.imported_count = BatchStatus.IMPORTED, utcnow(), len(users)
    db.session.flush()
    notify(actor, "import_completed", count=len(users), filename=batch.filename, batch_id=batch.id)
    return len(users)


def person_row(batch: ImportBatch, user: User) -> dict | None:
    """The row of ``batch``'s file that named ``user`` (by the address their account took from it), as read, while
    the batch keeps its rows; None once they are purged, or when the account's address has changed since."""
    return next((row for row in batch.rows or [] if _email(row) == user.email), None)


def rows_listing(email: str, leave_out: sa.Select) -> Iterator[tuple[ImportBatch, dict, list[dict]]]:
    """The rows of the files still keeping them (not purged) that give ``email`` as their address, as person_row
    reads it, each with its batch and its problems; not those of the batches in ``leave_out`` (a query of their
    ids). Read a few files at a time: each holds up to MAX_ROWS rows."""
    batches = db.session.scalars(
        sa.select(ImportBatch).where(ImportBatch.purged_at.is_(None), ImportBatch.id.not_in(leave_out))
        .options(so.joinedload(ImportBatch.created_by)).order_by(ImportBatch.id).execution_options(yield_per=5))
    for batch in batches:
        for row in batch.rows or []:
            cell = row.get("email") or ""
            # an ASCII cell can give the address only if it holds it (_email drops no invisible or wide character
            # from it, only case, spaces and "mailto:"): most rows are passed over without being normalised
            if cell.isascii() and email not in cell.lower():
                continue
            if _email(row) == email:
                yield batch, row, [p for p in batch.problems or [] if p.get("line") == row.get("line")]


def _uninvited(actor: User, batch: ImportBatch) -> sa.Select:
    """The one rule of who is still to invite among the people an import created (``ImportedPerson``: an account
    removed since is not among them, nor another account given its address later): never sent an invitation (one
    expired or used counts as sent), active, without a password, still of the batch's country, and people
    ``actor`` manages (can_manage_user: an admin anyone, a coordinator trainees only). Both ``uninvited`` and
    ``uninvited_count`` ask it, so the number a page shows is the number of people the button invites."""
    query = (sa.select(User).join(ImportedPerson, ImportedPerson.user_id == User.id)
             .where(ImportedPerson.batch_id == batch.id, User.country_code == batch.country_code,
                    User.password_hash.is_(None), User.is_active.is_(True),
                    ~sa.exists().where(AccountToken.user_id == User.id,
                                       AccountToken.purpose == TokenPurpose.INVITATION)))
    if not actor.is_admin:
        query = query.where(~sa.exists().where(UserRole.user_id == User.id, UserRole.role != Role.TRAINEE))
    return query


def uninvited(actor: User, batch: ImportBatch) -> list[User]:
    """The people an import created (imported without invitations, say) who have never been sent one and still
    can be (``_uninvited``), in the order the import created them."""
    check(can_manage_country(actor, batch.country_code))
    if batch.status is not BatchStatus.IMPORTED:
        return []
    return list(db.session.scalars(_uninvited(actor, batch).order_by(User.id).options(so.selectinload(User.role_rows))))


def uninvited_count(actor: User, batch: ImportBatch) -> int:
    """How many people ``uninvited`` gives, counted by the database in one query."""
    check(can_manage_country(actor, batch.country_code))
    if batch.status is not BatchStatus.IMPORTED:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(_uninvited(actor, batch).subquery()))


def send_missing_invitations(actor: User, batch: ImportBatch) -> int:
    """Send an invitation to each person of an import who has never been sent one (``uninvited``), as an import
    with invitations does: e-mails delivered by background jobs. The batch's row is held first, so a second click
    waits for the first and finds nobody left. Returns how many were sent."""
    from app.auth.tokens import send_invitations

    check(can_manage_country(actor, batch.country_code))
    hold_row(batch)
    people = uninvited(actor, batch)
    if people:
        send_invitations(actor, people)
        db.session.flush()
    return len(people)
