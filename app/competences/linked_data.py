"""A competence and its framework described for machines, at their IRIs: JSON-LD in schema.org's vocabulary
(DefinedTerm in a DefinedTermSet; SKOS for the area above a competence and for its alignments), and the xAPI
Activity Definition an LRS reads when it looks an activity id up. DEVELOPERS.md says why these vocabularies.

The JSON-LD carries its context in the document: a processor (a credential verifier, a harvester) reads it
without fetching anything, and every key expands to a schema.org or SKOS IRI."""
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.competences.models import Area, Competence, FrameworkVersion
from app.competences.vocabulary import ALIGNMENT_NAMES
from app.config import LOCALES
from app.urls import absolute_url
from app.xapi.vocabulary import COMPETENCE as XAPI_COMPETENCE_TYPE

SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"

CONTEXT = {
    "@vocab": SCHEMA,
    "skos": SKOS,
    "xsd": XSD,
    "id": "@id",
    "type": "@type",
    "name": {"@container": "@language"},  # {"es": ..., "pt-BR": ..., "en": ...}
    "description": {"@container": "@language"},
    "url": {"@type": "@id"},
    "inDefinedTermSet": {"@type": "@id"},
    "validFor": {"@type": "xsd:duration"},  # how long an achieved level counts: P24M
    "validFrom": {"@type": "xsd:date"},
    "validThrough": {"@type": "xsd:date"},
    "broader": {"@id": "skos:broader", "@type": "@id"},  # a competence's area
    "closeMatch": {"@id": "skos:closeMatch", "@type": "@id"},  # what the competence is aligned with
}

# the descriptor's parts, headed in each language, in the one description schema.org has
DESCRIPTOR_PARTS = (("knowledge", _l("Knowledge")), ("skills", _l("Skills")), ("attitudes", _l("Attitudes and values")))
SCALE_NAME = _l("Proficiency levels")


def language_tag(locale: str) -> str:
    return locale.replace("_", "-")


def language_map(value: dict | None) -> dict:
    """A translated field as a JSON-LD language map (BCP 47 tags: pt-BR, not pt_BR), without empty texts."""
    return {language_tag(locale): text for locale, text in (value or {}).items() if text}


def _in_every_language(text) -> dict:
    """A translatable string of the application in each language it speaks."""
    found = {}
    for locale in LOCALES:
        with force_locale(locale):
            found[language_tag(locale)] = str(text)
    return found


class _Words:
    """The headings of the descriptor and the names of alignments in each language, translated once per answer
    (a framework has dozens of competences)."""

    def __init__(self):
        self._cache: dict = {}

    def __call__(self, text) -> dict:
        key = id(text)
        if key not in self._cache:
            self._cache[key] = _in_every_language(text)
        return self._cache[key]


def framework_iri(version: FrameworkVersion) -> str:
    return absolute_url("competences.framework", slug=version.framework.slug)


def competence_iri(version: FrameworkVersion, code: str) -> str:
    return absolute_url("competences.competence", slug=version.framework.slug, code=code)


def _address(iri: str, endpoint: str, version: FrameworkVersion, **values) -> str:
    """Where this version is read: the IRI for the current one, the IRI with ?version=N for an earlier one."""
    if version.is_current:
        return iri
    return absolute_url(endpoint, slug=version.framework.slug, version=version.number, **values)


def description(competence: Competence, words: _Words) -> dict:
    """Knowledge, skills and attitudes, each headed, in each language the competence is written in."""
    found = {}
    for locale in LOCALES:
        parts = [f"{words(label)[language_tag(locale)]}: {text}" for field, label in DESCRIPTOR_PARTS
                 if (text := (getattr(competence, field) or {}).get(locale))]
        if parts:
            found[language_tag(locale)] = "\n\n".join(parts)
    return found


def _area(version: FrameworkVersion, area: Area) -> dict:
    iri = framework_iri(version)
    return {"id": f"{iri}#area-{area.code}", "type": "DefinedTerm", "termCode": area.code,
            "name": language_map(area.title), "inDefinedTermSet": iri}


def _alignment(alignment: dict, words: _Words) -> dict:
    """What the competence is aligned with: by its URI (ESCO), else by its code in its framework (DigComp,
    EntreComp... name no URI for their competences), named in every language where the vocabulary knows it."""
    node = {"id": alignment["uri"]} if alignment.get("uri") else {}
    node["type"] = "DefinedTerm"
    key = (alignment.get("framework"), alignment.get("code"))
    if alignment.get("code"):
        node["termCode"] = alignment["code"]
    name = words(ALIGNMENT_NAMES[key]) if key in ALIGNMENT_NAMES else alignment.get("name")
    if name:
        node["name"] = name
    if alignment.get("code"):
        node["inDefinedTermSet"] = {"type": "DefinedTermSet", "name": alignment.get("framework", "")}
    return node


def _term(competence: Competence, words: _Words) -> dict:
    version = competence.version
    iri = competence_iri(version, competence.code)
    node = {"id": iri, "type": "DefinedTerm", "termCode": competence.code, "name": language_map(competence.title),
            "description": description(competence, words),
            "url": _address(iri, "competences.competence", version, code=competence.code),
            "broader": _area(version, competence.area)}
    if competence.validity_months:
        node["validFor"] = f"P{competence.validity_months}M"
    if competence.alignments:
        node["closeMatch"] = [_alignment(a, words) for a in competence.alignments]
    return node


def _source(source: dict) -> dict:
    node = {"type": "CreativeWork", "name": source.get("title", "")}
    url = source.get("url") or (f"https://doi.org/{source['doi']}" if source.get("doi") else None)
    for key, value in (("url", url), ("author", source.get("authors")), ("publisher", source.get("publisher")),
                       ("datePublished", str(source["year"]) if source.get("year") else None),
                       ("inLanguage", language_tag(source["language"]) if source.get("language") else None)):
        if value:
            node[key] = value
    return node


def _framework(version: FrameworkVersion, words: _Words) -> dict:
    iri = framework_iri(version)
    node = {"id": iri, "type": "DefinedTermSet", "name": language_map(version.title), "version": version.number,
            "url": _address(iri, "competences.framework", version)}
    if language_map(version.description):
        node["description"] = language_map(version.description)
    if version.valid_from:
        node["validFrom"] = version.valid_from.isoformat()
    if version.valid_until:
        node["validThrough"] = version.valid_until.isoformat()
    node["hasPart"] = {
        "id": f"{iri}#levels", "type": "DefinedTermSet", "name": words(SCALE_NAME),
        "hasDefinedTerm": [{"id": f"{iri}#level-{level.number}", "type": "DefinedTerm",
                            "termCode": str(level.number), "name": language_map(level.name),
                            "description": language_map(level.descriptor)} for level in version.levels]}
    if version.sources:
        node["citation"] = [_source(source) for source in version.sources]
    return node


def competence_document(competence: Competence) -> dict:
    """The JSON-LD of a competence as its version has it: the framework (with its proficiency scale) it is in."""
    words = _Words()
    return {"@context": CONTEXT, **_term(competence, words), "inDefinedTermSet": _framework(competence.version, words)}


def framework_document(version: FrameworkVersion) -> dict:
    """The JSON-LD of a framework version: its scale and every competence, each under its area."""
    words = _Words()
    return {"@context": CONTEXT, **_framework(version, words),
            "hasDefinedTerm": [_term(competence, words) for competence in version.competences]}


def activity_definition(competence: Competence) -> dict:
    """What xAPI calls the competence's Activity Definition: the name and description as language maps, the
    activity type, and the human-readable page (``moreInfo``)."""
    version = competence.version
    iri = competence_iri(version, competence.code)
    return {"name": language_map(competence.title), "description": description(competence, _Words()),
            "type": XAPI_COMPETENCE_TYPE,
            "moreInfo": _address(iri, "competences.competence", version, code=competence.code)}
