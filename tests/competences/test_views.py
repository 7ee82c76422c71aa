import re

from app.extensions import db
from tests.fixtures.competences import texts


def form(**overrides):
    data = {}
    for name in ("title", "knowledge", "skills", "attitudes"):
        for locale, text in texts(name).items():
            data[f"{name}_{locale}"] = text
    data.update(validity_months="", target_technician="3", target_manager="2")
    data.update(overrides)
    return data


def test_framework_page_lists_levels_areas_and_competences(client, login_as, sample_framework):
    login_as("coordinator", country="CL")
    html = client.get("/competences/demo/?lang=es").get_data(as_text=True)
    assert "Marco de demostración" in html and "Practicante" in html and "Diagnóstico" in html
    assert "/competences/demo/competences/A1/edit" not in html  # coordinators read, editors edit


def test_trainer_edits_a_descriptor_in_portuguese(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    page = client.get("/competences/demo/competences/A1/edit")
    assert 'lang="pt-BR"' in page.get_data(as_text=True)
    response = client.post("/competences/demo/competences/A1/edit",
                           data=form(knowledge_pt_BR="Conhece indicadores de especialização regional"))
    assert response.status_code == 302
    db.session.expire_all()
    assert sample_framework.current.competences[0].knowledge["pt_BR"] == "Conhece indicadores de especialização regional"


def test_missing_translation_is_an_error_at_the_field(client, login_as, sample_framework):
    login_as("admin", country=None)
    response = client.post("/competences/demo/competences/A1/edit", data=form(skills_es=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#skills_es">Write this text in every language</a>' in html


def test_public_competence_page_and_json(client, sample_framework):
    html = client.get("/competences/demo/A1?lang=en").get_data(as_text=True)
    assert "A1 Diagnosis" in html and "Knows indicators" in html and "24 months" in html
    assert "DigComp 1.2" in html
    data = client.get("/competences/demo/A1", headers={"Accept": "application/json"}).get_json()
    assert data["id"] == "http://itinera.test/competences/demo/A1"
    assert data["knowledge"]["es"] == "Conoce indicadores" and [l["number"] for l in data["levels"]] == [1, 2, 3]
    assert client.get("/competences/demo/Z9").status_code == 404


def test_the_iri_stays_when_a_new_version_is_made(client, login_as, sample_framework):
    from app.competences.services import record_use

    record_use(sample_framework.current, "itinerary", "technicians")
    db.session.commit()
    login_as("admin", country=None)
    client.post("/competences/demo/competences/A1/edit", data=form())
    db.session.expire_all()
    assert sample_framework.current.number == 2
    html = client.get("/competences/demo/A1").get_data(as_text=True)
    assert "title (en)" in html and "Version 2 of the framework" in html
    old = client.get("/competences/demo/?version=1").get_data(as_text=True)
    assert "Diagnosis" in old and "You are looking at version 1" in old


def test_exports_download(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    response = client.get("/competences/demo/export/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="demo-v1.csv"'
    assert response.data.decode("utf-8-sig").startswith("record,code,area,field,en,es,pt_BR,value")
    yaml_text = client.get("/competences/demo/export/yaml").get_data(as_text=True)
    assert re.search(r"^slug: demo$", yaml_text, re.M)
    assert client.get("/competences/demo/export/pdf").status_code == 404
