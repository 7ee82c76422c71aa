"""Translated country and subdivision names from pycountry's gettext catalogs."""
import gettext
from functools import lru_cache

import pycountry
from flask_babel import get_locale


@lru_cache(maxsize=16)
def _catalog(domain: str, locale: str) -> gettext.NullTranslations:
    languages = [locale, locale.split("_")[0]]
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=languages, fallback=True)


def _locale() -> str:
    try:
        return str(get_locale() or "en")
    except RuntimeError:  # outside a request
        return "en"


def country_name(code: str, locale: str | None = None) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    english = getattr(country, "common_name", None) or country.name
    return _catalog("iso3166-1", locale or _locale()).gettext(english)


# The name in common use of a region whose ISO 3166-2 name is longer than a select shows at 360 px, or is another
# region's too (PE-LIM's "Lima": Lima Metropolitana's as well), the same in every language: the lists, pages and
# import messages show it; a file's official name is still recognised (imports).
SHORT_REGION_NAMES = {"CL-AI": "Aysén", "CL-LI": "O'Higgins", "CO-SAP": "San Andrés y Providencia",
                      "PE-LMA": "Lima Metropolitana", "PE-LIM": "Lima Provincias"}


def region_name(code: str, locale: str | None = None, short: bool = False) -> str:
    if short and code in SHORT_REGION_NAMES:
        return SHORT_REGION_NAMES[code]
    subdivision = pycountry.subdivisions.get(code=code)
    if subdivision is None:
        return code
    return _catalog("iso3166-2", locale or _locale()).gettext(subdivision.name)
