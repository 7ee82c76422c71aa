"""Globals and filters for every template."""
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from babel import Locale
from babel import dates as babel_dates
from babel.lists import format_list
from flask import current_app, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale, to_user_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import RoutingException

from app.db import utcnow
from app.forms import leaf_fields, summary_errors
from app.once import new_token
from app.urls import query_string, url_with_query

# Each language is offered in its own name, so anyone can find theirs.
LANGUAGE_NAMES = {"es": "Español", "pt_BR": "Português (Brasil)", "en": "English"}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "coordinator": _l("Country coordinator"),
    "trainer": _l("Trainer"),
    "trainee": _l("Trainee"),
}
POSITION_LABELS = {"manager": _l("Manager"), "technician": _l("Technician")}
LEVEL_LABELS = {"national": _l("National"), "regional": _l("Regional"), "local": _l("Local")}
MAIL_STATUS_LABELS = {"queued": _l("Queued"), "sent": _l("Sent"), "logged": _l("Written to the log"),
                      "failed": _l("Failed"), "cancelled": _l("Not sent")}


def languages_of(locales) -> str:
    """The supported languages among a course's ``locales``, named in the reader's language as CLDR names the
    locale ("English and Spanish", "inglés y portugués (Brasil)"): pt_BR is Brazil's Portuguese, as the language
    switcher says."""
    reader = get_locale() or Locale("en")
    names = [Locale.parse(code).get_display_name(reader) for code in locales if code in LANGUAGE_NAMES]
    return format_list(names, locale=reader)


def when(value) -> str:
    """A moment as people read it in the reader's language and time zone: the date with the month in words and
    the time to the minute ("5 dic 2026, 23:08", "Dec 5, 2026, 11:08 PM"). The short style (5/12/26) reads as
    another day across the programme's languages (the 12th of May in English), and the medium one adds seconds."""
    moment = to_user_timezone(value)
    locale = get_locale()
    return (babel_dates.get_datetime_format("medium", locale=locale)
            .replace("{1}", babel_dates.format_date(moment, "medium", locale=locale))
            .replace("{0}", babel_dates.format_time(moment, "short", locale=locale)))


# a whole number of each CLDR plural category but "other" (2 is "other" in our three languages)
PLURAL_STAND_INS = {"one": 1, "many": 1_000_000}


def plural_count(value) -> int:
    """The count a message's plural form is chosen by, for a number that may have a fraction (1.25 hours): a whole
    number of the same plural category in the reader's language. Gettext's formulas take whole numbers, and rounding
    chose "0.75 hour" and "1,25 hora" where English and Spanish say hours (Portuguese does say "1,25 hora")."""
    if value == int(value):
        return int(value)
    return PLURAL_STAND_INS.get(get_locale().plural_form(value), 2)


def switch_language_url(locale: str) -> str:
    """The current page in another language (the ?lang= parameter of the locale contract)."""
    args = request.args.copy()
    args.setlist("lang", [locale])
    rule = request.url_rule
    if request.endpoint and rule is not None and "GET" in (rule.methods or ()):
        # also a form sent back with errors: its empty form, in the other language
        return url_with_query(request.endpoint, request.view_args or {}, args)
    if isinstance(request.routing_exception, NotFound) and request.method == "GET" \
            and not request.path.startswith("//"):
        # an address that names nothing: the same "page not found", in the other language
        return request.script_root + quote(request.path) + "?" + query_string(args)
    return _form_page(locale) or url_for("main.index", lang=locale)


FORM_PAGE = "_form_page"  # the page a form sent back by a POST-only address was on, carried by its forms


def _form_page(locale: str) -> str | None:
    """A form sent back by an address that only takes POST (a new password, a level validated): the page the
    form was on, in the other language; None unless that is a page of this site one can GET."""
    page = form_page()
    if page is None:
        return None
    path, _, query = page.partition("?")
    args = MultiDict(parse_qsl(query, keep_blank_values=True))
    args.setlist("lang", [locale])
    return path + "?" + query_string(args)


def form_page() -> str | None:
    """The page (path and query) a form sent back by a POST-only address was on: the Referer, or, for a form
    sent again from the page that refused it (whose address takes POST only), the FORM_PAGE value that page's
    forms carried (see form_page_field); None unless it is a page of this site one can GET."""
    if request.method != "POST" or request.url_rule is not None and "GET" in (request.url_rule.methods or ()):
        return None
    try:
        carried = request.form.get(FORM_PAGE)
    except HTTPException:  # a body refused (too large, cut off): its error page has no form to go back to
        carried = None
    return _gettable(request.referrer) or _gettable(carried, path_only=True)


def _gettable(url: str | None, path_only: bool = False) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1": not even a URL (a Referer is whatever the client sends)
        return None
    root = request.script_root
    if path_only and (parts.scheme or parts.netloc) or not path_only and parts.netloc != request.host \
            or not parts.path.startswith(root + "/"):
        return None
    path = unquote(parts.path[len(root):])
    if path.startswith("//"):
        return None
    try:
        current_app.url_map.bind(request.host, script_name=root or "/").match(path, method="GET")
    except (HTTPException, RoutingException):  # not found, POST only, or a redirect to elsewhere
        return None
    args = MultiDict(parse_qsl(parts.query, keep_blank_values=True))
    args.poplist("lang")
    return root + quote(path) + ("?" + query_string(args) if args else "")


def form_page_field() -> Markup:
    """On a page a POST-only address sent back, the hidden FORM_PAGE input its forms carry (see form_page)."""
    page = form_page()
    if page is None:
        return Markup("")
    return Markup('<input type="hidden" name="%s" value="%s">') % (FORM_PAGE, page)


def html_lang() -> str:
    return str(get_locale() or "en").replace("_", "-")


def time_zone_of(user) -> str:
    """The time zone a person reads times in, by its city and country, in the reader's language."""
    from app.places import timezones

    return timezones.label(timezones.zone_of(user), str(get_locale()), with_country=True)


@pass_context
def form_sent_back(context) -> bool:
    """Whether a form of this page came back with errors (its title then starts with "Error:")."""
    return any(isinstance(value, FlaskForm) and bool(value.errors) for value in context.get_all().values())


def page_url(page: int, name: str = "page", fragment: str | None = None) -> str:
    """This page with another page number (in ``name``: a page with two lists pages each on its own)."""
    args = request.args.copy()
    args.setlist(name, [str(page)])
    return url_with_query(request.endpoint, request.view_args or {}, args, anchor=fragment)


def _text_in(value, locale=None):
    from app.competences.services import text_in

    return text_in(value, locale)


def _lang_of(value, locale=None):
    """The ``lang`` attribute for a translated field shown with text_in: its language, English when it falls back."""
    from app.competences.services import locale_in

    return locale_in(value, locale).replace("_", "-")


def _module_text(module):
    from app.courses.services import text_of

    return text_of(module)


def _evidence_names(rows) -> dict:
    """The modules a profile's evidence comes from, by IRI, named in one query for the whole table."""
    from app.courses.services import modules_named

    shown = [row.level.evidence[0] for row in rows if row.level and row.level.evidence]
    shown += [row.expired for row in rows if row.expired]
    return modules_named(item.source for item in shown if item.kind == "module")


def register(app) -> None:
    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        ROLE_LABELS=ROLE_LABELS,
        POSITION_LABELS=POSITION_LABELS,
        LEVEL_LABELS=LEVEL_LABELS,
        MAIL_STATUS_LABELS=MAIL_STATUS_LABELS,
        now=utcnow,
        switch_language_url=switch_language_url,
        html_lang=html_lang,
        current_locale=lambda: str(get_locale()),
        page_url=page_url,
        text_in=_text_in,
        lang_of=_lang_of,
        services_text=_module_text,
        evidence_names=_evidence_names,
        leaf_fields=leaf_fields,
        summary_errors=summary_errors,
        form_sent_back=form_sent_back,
        time_zone_of=time_zone_of,
        once_token=new_token,
        languages_of=languages_of,
    )
    app.jinja_env.filters.update(
        date=lambda value, fmt="medium": format_date(value, fmt) if value else "",
        datetime=lambda value, fmt=None: (format_datetime(value, fmt) if fmt else when(value)) if value else "",
        number=lambda value: format_decimal(value),
        plural_count=plural_count,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def navigation():
        if not current_user or not current_user.is_authenticated:  # also e-mails rendered outside a request
            return {"nav_items": [], "unread_notifications": 0}
        return {"nav_items": _nav_items(), "unread_notifications": _unread_count()}


def _unread_count() -> int:
    """The badge of the navigation; a page must not fail for it (an error page after a database error, say)."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.notifications.services import unread_count

    try:
        return unread_count(current_user)
    except SQLAlchemyError:
        current_app.logger.warning("unread count unavailable", exc_info=True)
        return 0


def _nav_items() -> list[tuple[str, str, str | None]]:
    """(label, url, aria-current) of the main navigation for the signed-in user: "page" on the section's own
    page, "true" anywhere else in its section (a course, a person, an import of people), else None."""
    if not current_user.is_authenticated:
        return []
    # the system pages (background tasks, outgoing e-mail, xAPI clients) are reached from the dashboard's list
    sections = [("main.index", _l("Home"), ("main.index", "admin.job", "admin.outbox", "admin.lrs_client")),
                ("courses.catalogue", _l("Courses"), ("courses.",))]
    if current_user.is_staff:  # a trainer reads them all, as the dashboard's counts say
        sections.append(("admin.users", _l("People"), ("admin.user", "admin.import", "admin.invitation")))
        sections.append(("admin.institutions", _l("Institutions"), ("admin.institution",)))
        sections.append(("admin.cohorts", _l("Cohorts"), ("admin.cohort",)))
        sections.append(("competences.index", _l("Competences"), ("competences.",)))
    here = request.endpoint or ""
    return [(label, url_for(endpoint),
             "page" if here == endpoint else ("true" if here.startswith(prefixes) else None))
            for endpoint, label, prefixes in sections]
