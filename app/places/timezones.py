"""Time zones: people read times in their own zone, by default the main zone of their country.

Which zones a country has comes from the IANA time zone database as pytz lists it (``country_timezones``,
the main zone first); their names, in the reader's language, from Babel's CLDR data."""
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import available_timezones

import pytz
from babel import Locale
from babel.dates import format_datetime, get_timezone, get_timezone_gmt, get_timezone_location
from flask_babel import lazy_gettext as _l

from app.places.names import country_name
from app.text import search_key

UTC = "UTC"
# where the database's first zone of a country is not where most of its people live
MAIN_ZONES = {"BR": "America/Sao_Paulo"}


def zones_of(country_code: str | None) -> list[str]:
    """The zones of a country, its main zone first."""
    zones = list(pytz.country_timezones.get((country_code or "").upper(), []))
    main = MAIN_ZONES.get((country_code or "").upper())
    if main in zones:
        zones.remove(main)
        zones.insert(0, main)
    return zones


def default_zone(country_code: str | None) -> str:
    zones = zones_of(country_code)
    return zones[0] if zones else UTC


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    # the system's zone folder also holds files that name no place ("Factory", "localtime"), which the date
    # formatting (Babel, through pytz) cannot load: only zones both know are zones
    return frozenset(available_timezones()) & pytz.all_timezones_set


def is_zone(name: str | None) -> bool:
    return bool(name) and (name == UTC or name in _known())


def zone_of(user) -> str:
    """The zone a signed-in person reads times in: their choice, else their country's main zone, else UTC."""
    chosen = getattr(user, "timezone", None)
    if is_zone(chosen):
        return chosen
    return default_zone(getattr(user, "country_code", None))


@lru_cache(maxsize=1)
def _countries_of_zones() -> dict[str, str]:
    return {zone: code for code, zones in pytz.country_timezones.items() for zone in zones}


def place(zone: str, locale: str) -> str:
    """A zone by its city alone, in the reader's language ("Córdoba"), or "UTC"."""
    return UTC if zone == UTC else get_timezone_location(zone, locale=locale, return_city=True)


def label(zone: str, locale: str, with_country: bool = False, at: datetime | None = None) -> str:
    """A zone by its city, in the reader's language, with its offset now: "Córdoba, GMT-03:00"; with its
    country for lists of several countries: "Argentina – Córdoba, GMT-03:00"."""
    if zone == UTC:
        return str(_l("Coordinated Universal Time (UTC)"))
    at = (at or datetime.now(timezone.utc)).astimezone(get_timezone(zone))
    city = place(zone, locale)
    country = _countries_of_zones().get(zone)
    if with_country and country:
        city = f"{country_name(country, locale)} – {city}"
    return f"{city}, {get_timezone_gmt(at, locale=locale)}"


def choices(country_codes: list[str], locale: str) -> list[tuple[str | None, list[tuple[str, str]]]]:
    """The zones of these countries, in the order given, then UTC: (country's name, [(zone, label)]) for each, the
    name None when there is one country, and (None, [UTC]). Labels name the city, not the country, which the group
    says: a select on a phone shows some 35 characters of its choice. Within a country its main zone comes first,
    then the others by their names in the reader's language, accents and case aside (the database lists them from
    east to west: a Brazilian looked for Manaus among sixteen in no order they could see)."""
    seen, result = set(), []
    for code in country_codes:
        zones = [(zone, label(zone, locale)) for zone in zones_of(code) if zone not in seen]
        if not zones:
            continue
        seen.update(zone for zone, _text in zones)
        result.append((country_name(code, locale) if len(country_codes) > 1 else None,
                       zones[:1] + sorted(zones[1:], key=lambda choice: search_key(choice[1]))))
    result.append((None, [(UTC, label(UTC, locale))]))
    return result


def moment_for(user, moment: datetime, locale: str) -> str:
    """A moment as someone reads it in an e-mail, where no page shows their zone: in their zone, with its name,
    "5 de diciembre de 2026, 14:30 (Santiago, GMT-03:00)"."""
    zone = zone_of(user)
    cldr = Locale.parse(locale)
    pattern = (str(cldr.datetime_formats["long"]).replace("{1}", cldr.date_formats["long"].pattern)
               .replace("{0}", cldr.time_formats["short"].pattern))
    when = format_datetime(moment, pattern, tzinfo=get_timezone(zone), locale=cldr)
    return f"{when} UTC" if zone == UTC else f"{when} ({label(zone, locale, at=moment)})"
