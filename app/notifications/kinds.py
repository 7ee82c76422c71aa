"""The kinds of notification: how each reads in the list, in an e-mail, and where it leads."""
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from flask_babel import format_decimal, gettext, ngettext
from flask_babel import lazy_gettext as _l

from app.auth.models import Role


def _job_failed(data) -> str:
    from app.jobs.services import describe

    return gettext("A background task failed after every attempt: %(func)s", func=describe(data["func"]))


def _competences(data, frameworks: dict[str, dict]) -> tuple[str, dict]:
    """The person's competences, in the framework of the level (data["framework"], the configured one without it);
    in the framework shown by default when that one has been deleted or has no current version since (``frameworks``:
    those that have one), whose page would not be found."""
    slug = data.get("framework")
    default = slug is None or slug == current_app.config["COMPETENCE_FRAMEWORK"] or slug not in frameworks
    return "auth.account_competences", {} if default else {"framework": slug}


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # shown on the preferences page
    # one line for the in-app list and the e-mail subject; %(...)s from the data, or data -> str (with ``reads``,
    # (data, what it read) -> str)
    text: object
    roles: frozenset  # who can receive it (for the preferences page)
    link: Callable[..., tuple[str, dict] | None] = lambda data: None  # (endpoint, values); as text, with ``reads``
    email_by_default: bool = True
    # what the text and the link read beyond the data, once for all the notifications shown together (a page of the
    # list): its answer is passed to them after the data
    reads: Callable[[], object] | None = None


def _frameworks() -> dict[str, dict]:
    from app.competences.services import current_titles

    return current_titles()


def _level_validated(data, frameworks: dict[str, dict]) -> str:
    """Who validated (or withdrew) which level of which competence; of which framework too when there are several
    to choose from, whose codes and titles may be the same (the one named at the time, or its current title)."""
    from app.competences.services import text_in

    values = dict(validator=data["validator"], code=data["code"], competence=text_in(data["competence"]),
                  number=format_decimal(data["level"]), level=text_in(data["level_name"]))
    slug = data.get("framework") or current_app.config["COMPETENCE_FRAMEWORK"]
    framework = text_in(data.get("framework_title") or frameworks.get(slug)) if len(frameworks) > 1 else ""
    if framework and data.get("withdrawn"):
        return gettext("%(validator)s withdrew the validation of your level in %(code)s %(competence)s "
                       "(%(framework)s): %(number)s. %(level)s", framework=framework, **values)
    if framework:
        return gettext("%(validator)s validated your level in %(code)s %(competence)s (%(framework)s): %(number)s. "
                       "%(level)s", framework=framework, **values)
    if data.get("withdrawn"):
        return gettext("%(validator)s withdrew the validation of your level in %(code)s %(competence)s: "
                       "%(number)s. %(level)s", **values)
    return gettext("%(validator)s validated your level in %(code)s %(competence)s: %(number)s. %(level)s", **values)


KINDS = {kind.name: kind for kind in (
    Kind("added_to_cohort", _l("When I am added to a cohort"),
         _l("You have joined the cohort “%(cohort)s”"), frozenset(Role),  # anyone of a country can be a member
         link=lambda data: ("main.index", {})),  # the home page lists one's cohorts
    Kind("invitation_accepted", _l("When someone I invited accepts the invitation"),
         _l("%(name)s accepted your invitation and can now sign in"),
         frozenset({Role.ADMIN, Role.COORDINATOR}),
         link=lambda data: ("admin.user_detail", {"user_uuid": data["user_uuid"]})),
    Kind("import_completed", _l("When an import of trainees has finished"),
         lambda data: ngettext("%(count)s person imported from %(filename)s",
                               "%(count)s people imported from %(filename)s", data["count"],
                               count=format_decimal(data["count"]), filename=data["filename"]),
         frozenset({Role.ADMIN, Role.COORDINATOR}),
         link=lambda data: ("admin.import_preview", {"batch_id": data["batch_id"]})),
    Kind("level_validated", _l("When my coordinator validates a level of one of my competences, or withdraws a validation"),
         _level_validated, frozenset({Role.TRAINEE}),
         link=_competences, reads=_frameworks),
    Kind("job_failed", _l("When a background task fails after every attempt"),
         _job_failed, frozenset({Role.ADMIN}),
         link=lambda data: ("admin.jobs", {})),
)}


def kinds_for(user) -> list[Kind]:
    return [kind for kind in KINDS.values() if user.roles & kind.roles]
