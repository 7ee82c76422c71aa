"""A competence's IRI (and its framework's) answers machine-readable data by content negotiation: JSON-LD for
linked-data clients (credential verifiers, catalogues, harvesters), an xAPI Activity Definition for an LRS looking
an activity id up, the HTML page for browsers."""
import re

import pytest
from pyld import jsonld

from app.extensions import db

IRI = "http://itinera.test/competences/demo/A1"
FRAMEWORK_IRI = "http://itinera.test/competences/demo/"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
XAPI_LOOKUP = "application/json, */*"  # what xAPI 1.0.3 tells an LRS to send when it dereferences an activity id


def get(client, path, accept=None):
    return client.get(path, headers={"Accept": accept} if accept is not None else {})


def kind(response) -> str:
    if response.mimetype == "text/html":
        return "html"
    data = response.get_json()
    return "jsonld" if "@context" in data else "xapi" if "objectType" not in data and "moreInfo" in data else "?"


@pytest.mark.parametrize("accept, expected", [
    (None, "html"), ("*/*", "html"), (BROWSER, "html"), ("text/html", "html"),
    ("application/ld+json", "jsonld"), ("application/ld+json, application/json;q=0.9", "jsonld"),
    ("application/json;q=0.9, application/ld+json", "jsonld"), ("text/html;q=0.5, application/ld+json", "jsonld"),
    ("application/ld+json;q=0.1, text/html", "html"), ("application/json;q=0.2, text/html;q=0.8", "html"),
    ("application/json", "xapi"), (XAPI_LOOKUP, "xapi"),
])
def test_the_iri_answers_what_the_accept_header_prefers(client, sample_framework, accept, expected):
    response = get(client, "/competences/demo/A1", accept)
    assert response.status_code == 200 and kind(response) == expected, response.mimetype
    assert "Accept" in response.vary
    if expected == "jsonld":
        assert response.mimetype == "application/ld+json"


def test_format_in_the_query_picks_the_answer_for_a_browser_link(client, sample_framework):
    assert kind(get(client, "/competences/demo/A1?format=jsonld", BROWSER)) == "jsonld"
    assert kind(get(client, "/competences/demo/A1?format=json", BROWSER)) == "xapi"


def test_the_json_ld_describes_the_competence_in_every_language(client, sample_framework):
    data = get(client, "/competences/demo/A1", "application/ld+json").get_json()
    assert data["id"] == IRI and data["type"] == "DefinedTerm" and data["termCode"] == "A1"
    assert data["name"] == {"en": "Diagnosis", "es": "Diagnóstico", "pt-BR": "Diagnóstico"}
    assert set(data["description"]) == {"en", "es", "pt-BR"}
    assert "Conhece indicadores" in data["description"]["pt-BR"] and "Abierto a hallazgos" in data["description"]["es"]
    assert data["validFor"] == "P24M"
    framework = data["inDefinedTermSet"]
    assert framework["id"] == FRAMEWORK_IRI and framework["type"] == "DefinedTermSet" and framework["version"] == 1
    assert framework["name"]["es"] == "Marco de demostración"
    scale = framework["hasPart"]
    assert [(l["termCode"], l["name"]["pt-BR"]) for l in scale["hasDefinedTerm"]] == \
        [("1", "Fundamentos"), ("2", "Praticante"), ("3", "Avançado")]
    assert data["broader"]["id"] == FRAMEWORK_IRI + "#area-A" and data["broader"]["name"]["en"] == "Evidence"
    [digcomp] = data["closeMatch"]  # DigComp names no IRI for its competences: the code and the name
    assert digcomp["termCode"] == "1.2" and digcomp["inDefinedTermSet"]["name"] == "DigComp"
    assert digcomp["name"]["es"] == "Evaluar datos, información y contenidos digitales"


def test_the_json_ld_expands_offline_to_schema_org_and_skos(client, login_as, sample_framework):
    """A JSON-LD processor reads it without fetching anything: the context is in the document."""
    def no_network(url, options=None):
        raise AssertionError(f"the document needed {url}")

    _align_with_esco(client, login_as)
    data = get(client, "/competences/demo/A1", "application/ld+json").get_json()
    [node] = jsonld.expand(data, {"documentLoader": no_network})
    assert node["@id"] == IRI and node["@type"] == [SCHEMA + "DefinedTerm"]
    names = {(value["@language"].lower(), value["@value"]) for value in node[SCHEMA + "name"]}  # tags ignore case
    assert names == {("en", "title (en)"), ("es", "title (es)"), ("pt-br", "title (pt)")}
    assert node[SCHEMA + "inDefinedTermSet"][0]["@id"] == FRAMEWORK_IRI
    assert node[SCHEMA + "inDefinedTermSet"][0]["@type"] == [SCHEMA + "DefinedTermSet"]
    assert "http://data.europa.eu/esco/skill/" + ESCO in [match.get("@id") for match in node[SKOS + "closeMatch"]]
    assert node[SKOS + "broader"][0]["@id"] == FRAMEWORK_IRI + "#area-A"
    for key in node:  # every property came through: none was dropped for want of a definition
        assert key.startswith(("@", SCHEMA, SKOS)), key
    assert set(data) - {"@context"} <= {_local(key) for key in node} | {"id", "type"}
    framework = get(client, "/competences/demo/", "application/ld+json").get_json()
    [node] = jsonld.expand(framework, {"documentLoader": no_network})
    assert node["@id"] == FRAMEWORK_IRI and len(node[SCHEMA + "hasDefinedTerm"]) == 2
    assert set(framework) - {"@context"} <= {_local(key) for key in node} | {"id", "type"}


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


ESCO = "0a8a7a57-3a1c-4e3c-9d3e-3a9f9b8c1d2e"


def _align_with_esco(client, login_as):
    from tests.fixtures.competences import competence_form

    login_as("admin", country=None)
    response = client.post("/competences/demo/competences/A1/edit", data=competence_form(**{
        "alignments-0-framework": "DigComp", "alignments-0-code": "1.2",
        "alignments-1-framework": "ESCO", "alignments-1-uri": "http://data.europa.eu/esco/skill/" + ESCO,
        "alignments-1-name": "analyse data"}))
    assert response.status_code == 302, response.get_data(as_text=True)
    client.get("/auth/logout")
    db.session.expire_all()


def test_an_esco_alignment_is_its_uri(client, login_as, sample_framework):
    _align_with_esco(client, login_as)
    data = get(client, "/competences/demo/A1", "application/ld+json").get_json()
    assert data["closeMatch"][1] == {"id": "http://data.europa.eu/esco/skill/" + ESCO, "type": "DefinedTerm",
                                     "name": "analyse data"}


def test_an_earlier_version_keeps_the_iri_and_says_which_version(client, login_as, sample_framework):
    from app.competences.services import record_use
    from tests.fixtures.competences import competence_form

    record_use(sample_framework.current, "course", "pilot@1")
    db.session.commit()
    login_as("admin", country=None)
    assert client.post("/competences/demo/competences/A1/edit", data=competence_form()).status_code == 302
    client.get("/auth/logout")
    old = get(client, "/competences/demo/A1?version=1", "application/ld+json").get_json()
    assert old["id"] == IRI and old["name"]["en"] == "Diagnosis" and old["inDefinedTermSet"]["version"] == 1
    assert old["url"] == IRI + "?version=1"
    now = get(client, "/competences/demo/A1", "application/ld+json").get_json()
    assert now["id"] == IRI and now["name"]["en"] == "title (en)" and now["inDefinedTermSet"]["version"] == 2
    assert now["url"] == IRI
    framework = get(client, "/competences/demo/?version=1", "application/ld+json").get_json()
    assert framework["id"] == FRAMEWORK_IRI and framework["version"] == 1
    assert framework["url"] == FRAMEWORK_IRI + "?version=1"


@pytest.mark.parametrize("path", ["/competences/demo/Z9", "/competences/nope/A1", "/competences/demo/A1?version=7",
                                  "/competences/demo/A1?version=abc", "/competences/nope/",
                                  "/competences/demo/?version=7"])
@pytest.mark.parametrize("accept", ["application/ld+json", XAPI_LOOKUP])
def test_what_is_not_there_is_a_json_404_when_json_was_asked_for(client, sample_framework, path, accept):
    response = get(client, path, accept)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["error"] == "Not Found" and "Accept" in response.vary


def test_the_framework_is_described_for_anyone_who_asks_for_json_ld(client, login_as, sample_framework):
    """Its page is for staff (it lists what is built on each version); what the JSON-LD says, every competence's
    public page says already: a harvester or a verifier following inDefinedTermSet reads it without an account."""
    response = get(client, "/competences/demo/", "application/ld+json")
    assert response.status_code == 200 and response.mimetype == "application/ld+json" and "Accept" in response.vary
    data = response.get_json()
    assert data["id"] == FRAMEWORK_IRI and data["type"] == "DefinedTermSet" and data["url"] == FRAMEWORK_IRI
    assert [t["id"] for t in data["hasDefinedTerm"]] == [IRI, "http://itinera.test/competences/demo/B1"]
    assert data["hasDefinedTerm"][1]["broader"]["id"] == FRAMEWORK_IRI + "#area-B"
    assert [l["termCode"] for l in data["hasPart"]["hasDefinedTerm"]] == ["1", "2", "3"]
    assert get(client, "/competences/demo/", BROWSER).status_code == 302  # the page itself: sign in first
    assert get(client, "/competences/demo/?format=jsonld", BROWSER).status_code == 200
    login_as("trainee")
    assert get(client, "/competences/demo/", BROWSER).status_code == 403
    assert get(client, "/competences/demo/", "application/json").get_json()["id"] == FRAMEWORK_IRI


def test_the_pages_link_to_their_json_ld(client, login_as, sample_framework):
    def alternate(html):
        found = re.search(r'<link rel="alternate" type="application/ld\+json" href="([^"]+)">', html)
        return found.group(1) if found else None

    assert alternate(get(client, "/competences/demo/A1").get_data(as_text=True)) == \
        "/competences/demo/A1?format=jsonld"
    assert alternate(get(client, "/competences/demo/A1?version=1").get_data(as_text=True)) == \
        "/competences/demo/A1?version=1&amp;format=jsonld"
    login_as("trainer", country="ES")
    assert alternate(get(client, "/competences/demo/").get_data(as_text=True)) == "/competences/demo/?format=jsonld"
    assert alternate(get(client, "/competences/").get_data(as_text=True)) is None


def test_an_lrs_looking_the_activity_up_reads_an_activity_definition(client, sample_framework):
    data = get(client, "/competences/demo/A1", XAPI_LOOKUP).get_json()
    assert data["name"] == {"en": "Diagnosis", "es": "Diagnóstico", "pt-BR": "Diagnóstico"}
    assert set(data["description"]) == {"en", "es", "pt-BR"} and "Knows indicators" in data["description"]["en"]
    assert data["type"] == "http://adlnet.gov/expapi/activities/objective" and data["moreInfo"] == IRI
    assert data["knowledge"]["es"] == "Conoce indicadores"  # what the JSON said before stays, beside it
