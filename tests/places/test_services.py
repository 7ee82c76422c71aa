import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.places import services
from app.places.models import Country, CountryGroup, Region


def test_reference_data_has_programme_countries_and_eu_members(app):
    groups = dict(db.session.execute(sa.select(Country.group, sa.func.count()).group_by(Country.group)).all())
    assert groups == {CountryGroup.LATAM: 6, CountryGroup.EU: 27}
    assert db.session.get(Region, "CL-BI").country_code == "CL"
    assert db.session.scalar(sa.select(sa.func.count()).where(Region.country_code == "BR")) == 27
    assert services.load_countries() == 0  # idempotent


def test_names_are_translated(app):
    germany = db.session.get(Country, "DE")
    with app.test_request_context():
        with force_locale("es"):
            assert germany.name == "Alemania"
        with force_locale("pt_BR"):
            assert germany.name == "Alemanha"
        with force_locale("en"):
            assert germany.name == "Germany"


def test_a_region_is_shown_by_its_name_in_common_use_and_imported_by_either(app):
    """Four ISO names are longer than a select shows on a phone ("Aisén del General Carlos Ibañez del Campo")."""
    from app.imports.parsing import fold
    from app.imports.services import _region_lookup

    with app.test_request_context(), force_locale("es"):
        assert [db.session.get(Region, code).name for code in ("CL-AI", "CL-LI", "CO-SAP", "PE-LMA", "CL-BI")] == [
            "Aysén", "O'Higgins", "San Andrés y Providencia", "Lima Metropolitana", "Biobío"]
        lookup = _region_lookup("CL")
        assert lookup[fold("Aisén del General Carlos Ibañez del Campo")] == lookup[fold("Aysén")] == "CL-AI"


def test_peru_s_two_limas_are_shown_apart_in_every_language(app):
    """ISO 3166-2 calls the region around Peru's capital just "Lima" (PE-LIM), the word an import now refuses as
    either of two regions: the lists showed it so, beside "Lima Metropolitana" (PE-LMA)."""
    for locale in ("es", "pt_BR", "en"):
        with app.test_request_context(), force_locale(locale):
            assert [db.session.get(Region, code).name for code in ("PE-LIM", "PE-LMA")] == [
                "Lima Provincias", "Lima Metropolitana"]


def test_countries_list_programme_first_then_alphabetical(app):
    with app.test_request_context(), force_locale("es"):
        names = [c.name for c in services.countries()]
    assert names[:6] == ["Argentina", "Brasil", "Chile", "Colombia", "México", "Perú"]
    assert names[6] == "Alemania"


def test_accented_names_sort_beside_their_base_letter(app):
    """Córdoba before Cundinamarca, Áustria among the A, Ñuble among the N (not after z)."""
    with app.test_request_context(), force_locale("es"):
        colombia = [r.name for r in services.regions_of("CO")]
        chile = [r.name for r in services.regions_of("CL")]
    assert colombia.index("Córdoba") < colombia.index("Cundinamarca")
    assert chile.index("Ñuble") < chile.index("Tarapacá") and chile[-1] != "Ñuble"
    with app.test_request_context(), force_locale("pt_BR"):
        europe = [c.name for c in services.countries(CountryGroup.EU)]
    assert europe.index("Áustria") < europe.index("Bélgica") < europe.index("Bulgária")
