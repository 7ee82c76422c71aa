"""Catalogs: complete for es and pt_BR, compile cleanly, and hold every message the code uses."""
import io
import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.cli import ROOT, TRANSLATIONS
from app.config import LOCALES

# Messages that are rightly the same in English and the other language.
SAME_EVERYWHERE = {"E-mail", "Email", "PDF", "OK", "Itinera", "URL", "ID", "CSV", "XLSX", "xAPI", "LRS", "JSON",
                   "Open Badges", "%(name)s", "%(num)s", "Total", "Error:", "Status", "Chile", "Argentina",
                   "Colombia", "Perú", "México", "Regional", "Local", "Roles", "Error"}
# ... and in one of them only.
SAME_IN = {"es": {"%(num)s plan"}, "pt_BR": {"Menu"}}  # "plan": the plural says "planes"


def load(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


METHOD_MAP = [("app/**.py", "python"), ("app/**/templates/**.html", "jinja2"), ("app/**/templates/**.txt", "jinja2")]
OPTIONS = {"app/**/templates/**.html": {"trimmed": "true"}, "app/**/templates/**.txt": {"trimmed": "true"}}


def extracted_ids() -> set:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "_n": (1, 2), "lazy_ngettext": (1, 2)}
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), METHOD_MAP, OPTIONS, keywords=keywords):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_compiles_without_errors(locale):
    catalog = load(locale)
    problems = [(message.id, errors) for message, errors in catalog.check() if errors]
    assert not problems
    write_mo(io.BytesIO(), catalog)


@pytest.mark.parametrize("locale", ["es", "pt_BR"])
def test_catalog_is_complete_and_not_copied_from_english(locale):
    untranslated, fuzzy, copied = [], [], []
    for message in load(locale):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if not all(strings):
            untranslated.append(ids[0])
        if message.fuzzy:
            fuzzy.append(ids[0])
        if strings[0] == ids[0] and ids[0] not in SAME_EVERYWHERE | SAME_IN[locale]:
            copied.append(ids[0])
    assert not untranslated, f"untranslated in {locale}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {locale}: {fuzzy[:10]}"
    assert not copied, f"copied English in {locale}: {copied[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_holds_every_message_of_the_code(locale):
    """Run `flask --app wsgi translate update` after adding strings, then translate them."""
    catalog_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in load(locale) if m.id}
    missing = extracted_ids() - catalog_ids
    assert not missing, f"{len(missing)} messages missing from {locale}: {sorted(missing)[:10]}"


@pytest.mark.parametrize("locale", ["es", "pt_BR"])
def test_placeholders_survive_translation(locale):
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for message in load(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1])) | set(placeholder.findall(ids[0]))
        for string in strings:
            assert set(placeholder.findall(string)) <= wanted, (locale, ids[0], string)
            if len(ids) == 1:
                assert set(placeholder.findall(string)) == wanted, (locale, ids[0], string)


TEMPLATE_CALL = re.compile(r"""\b(?:_|gettext|ngettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def template_literals() -> dict[str, str]:
    """Every _("...") / ngettext("...") literal of every template, found by a plain regex (message -> file).

    Unlike Babel's extractor this walks every folder, those starting with "_" included: a folder Babel skips
    silently left its messages untranslated once."""
    found = {}
    for path in sorted((ROOT / "app").glob("**/templates/**/*")):
        if path.is_file() and path.suffix in (".html", ".txt"):
            for match in TEMPLATE_CALL.finditer(path.read_text(encoding="utf-8")):
                literal = match.group(1) if match.group(1) is not None else match.group(2)
                found.setdefault(re.sub(r"\\(.)", r"\1", literal), str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_template_message_is_in_the_catalog(locale):
    literals = template_literals()
    assert len(literals) > 100  # the regex does find the templates' messages
    catalog_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in load(locale) if m.id}
    missing = {message: path for message, path in literals.items() if message not in catalog_ids}
    assert not missing, f"{len(missing)} template messages missing from {locale}: {sorted(missing.items())[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_with_a_context_is_in_the_catalog(locale):
    """pgettext("invitation", "Sent") is looked up by its context and its text together: the checks above, by text
    alone, found "Sent" and passed while the page showed English for a context no catalog held."""
    keywords = {"pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}
    found = {(context, message if isinstance(message, str) else message[0])
             for _filename, _lineno, message, _comments, context in extract_from_dir(
                 str(ROOT), METHOD_MAP, OPTIONS, keywords=keywords) if context}
    assert {("invitation", "Sent"), ("xAPI client", "Active")} <= found  # the extractor does see the contexts
    catalog = load(locale)
    missing = sorted((context, message) for context, message in found if catalog.get(message, context=context) is None)
    assert not missing, f"{len(missing)} messages with a context missing from {locale}: {missing[:10]}"
