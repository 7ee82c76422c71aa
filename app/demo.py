"""Demo data: countries, institutions, people and cohorts. Loading twice changes nothing."""

import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.services import SYSTEM, create_user, get_user_by_email, password_problem
from app.cohorts.models import Cohort
from app.cohorts.services import add_members
from app.db import utcnow
from app.extensions import db
from app.places.models import Institution, InstitutionLevel
from app.places.services import load_countries

LOCALE_OF = {"ar": "es", "br": "pt_BR", "cl": "es", "co": "es", "mx": "es", "pe": "es"}

# (name, level, region) for each programme country
INSTITUTIONS = {
    "AR": [("Agencia Nacional de Promoción de la Investigación (demo)", "national", None),
           ("Ministerio de Producción de Córdoba (demo)", "regional", "AR-X"),
           ("Municipalidad de Rosario (demo)", "local", "AR-S")],
    "BR": [("Agência Nacional de Inovação (demo)", "national", None),
           ("Secretaria de Ciência e Tecnologia de Pernambuco (demo)", "regional", "BR-PE"),
           ("Prefeitura de Florianópolis (demo)", "local", "BR-SC")],
    "CL": [("Agencia Nacional de Desarrollo Productivo (demo)", "national", None),
           ("Gobierno Regional del Biobío (demo)", "regional", "CL-BI"),
           ("Municipalidad de Valdivia (demo)", "local", "CL-LR")],
    "CO": [("Ministerio de Ciencia e Innovación (demo)", "national", None),
           ("Gobernación de Antioquia (demo)", "regional", "CO-ANT"),
           ("Alcaldía de Manizales (demo)", "local", "CO-CAL")],
    "MX": [("Consejo Nacional de Innovación (demo)", "national", None),
           ("Secretaría de Innovación de Jalisco (demo)", "regional", "MX-JAL"),
           ("Municipio de Querétaro (demo)", "local", "MX-QUE")],
    "PE": [("Programa Nacional de Innovación (demo)", "national", None),
           ("Gobierno Regional de Arequipa (demo)", "regional", "PE-ARE"),
           ("Municipalidad Provincial de Cusco (demo)", "local", "PE-CUS")],
    "ES": [("Agencia de Desarrollo Regional del País Vasco (demo)", "regional", "ES-PV")],
    "PT": [("Comissão de Coordenação Regional do Norte (demo)", "regional", None)],
}

# extra trainees per country: (local part, full name, position)
EXTRA_TRAINEES = {
    "ar": [("lucia.fernandez", "Lucía Fernández", "technician"), ("martin.acosta", "Martín Acosta", "manager")],
    "br": [("joao.silva", "João da Silva", "technician"), ("ana.souza", "Ana Beatriz Souza", "manager")],
    "cl": [("camila.rojas", "Camila Rojas", "technician"), ("tomas.munoz", "Tomás Muñoz", "technician")],
    "co": [("andres.gomez", "Andrés Gómez", "technician"), ("valentina.rios", "Valentina Ríos", "manager")],
    "mx": [("ximena.hernandez", "Ximena Hernández", "technician"), ("diego.ramirez", "Diego Ramírez", "manager")],
    "pe": [("rosa.quispe", "Rosa Quispe", "technician"), ("jorge.huaman", "Jorge Huamán", "manager")],
}

NAMES = {
    "ar": ("Valeria Sosa", "Federico Paz", "Carolina Díaz"),
    "br": ("Mariana Costa", "Paulo Oliveira", "Fernanda Lima"),
    "cl": ("Francisca Soto", "Ignacio Vera", "Josefa Contreras"),
    "co": ("Catalina Restrepo", "Juan Pablo Ortiz", "Daniela Castaño"),
    "mx": ("Guadalupe Torres", "Emiliano Cruz", "Sofía Morales"),
    "pe": ("Milagros Chávez", "Renato Salazar", "Lucía Mendoza"),
}

COHORT_NAMES = {"es": "Cohorte piloto 2026", "pt_BR": "Turma piloto 2026"}


def _institution(country: str, name: str, level: str, region: str | None) -> Institution:
    existing = db.session.scalar(sa.select(Institution).where(Institution.country_code == country,
                                                              Institution.name == name))
    if existing is None:
        existing = Institution(name=name, country_code=country, level=InstitutionLevel(level), region_code=region)
        db.session.add(existing)
        db.session.flush()
    return existing


def _user(password: str, email: str, full_name: str, roles, **fields) -> User:
    """The demo account, created with ``password`` if missing. An existing account keeps its password: loading
    again changes nothing, and never undoes a password someone chose."""
    user = get_user_by_email(email)
    if user is None:
        user = create_user(SYSTEM, email=email, full_name=full_name, roles=roles, password=password, **fields)
    return user


class ContentProblem(Exception):
    """The shipped course files cannot be loaded as they are: the message says where and why."""


def load_content() -> None:
    """The frameworks of courses/_frameworks and the courses of courses/ (versions already loaded stay as they
    are). The shipped content must be valid: a problem stops the demo with the file and line."""
    from app.competences.files import FrameworkFileError
    from app.competences.services import import_framework
    from app.courses.loader import load_tree
    from app.courses.services import content_root, sync

    if not content_root().is_dir():
        raise ContentProblem(f"the course files are not there: {content_root()} is not a folder "
                             "(ITINERA_COURSES_DIR names another one, or the source folder is incomplete)")
    tree = load_tree(content_root())
    if tree.problems:
        raise ContentProblem("the course files have problems:\n" + "\n".join(map(str, tree.problems)))
    for slug, data in sorted(tree.frameworks.items()):
        try:
            import_framework(SYSTEM, data, source=f"courses/_frameworks/{slug}.yaml")
        except FrameworkFileError as error:  # a loaded version with other content
            raise ContentProblem("\n".join(map(str, error.problems))) from error
    db.session.flush()
    refused = [r for r in sync(tree) if r.outcome == "refused"]
    if refused:
        raise ContentProblem("\n".join(f"{r.where}: {r.slug} version {r.version}: {r.message}" for r in refused))


def load_demo(password: str) -> list[tuple[str, str, str | None, bool]]:
    """Create whatever demo record is missing; returns (e-mail, roles, country, created now) of the demo accounts.

    Raises ValueError, before changing anything, when the password is not acceptable."""
    problem = password_problem(password)
    if problem:
        raise ValueError(str(problem))
    started = utcnow()  # accounts created from now on are new; the others keep their password
    load_countries()
    load_content()
    institutions = {cc: [_institution(cc, *row) for row in rows] for cc, rows in INSTITUTIONS.items()}
    people = [
        _user(password, "admin@itinera.test", "Ada Administradora", {Role.ADMIN}, locale="en"),
        _user(password, "trainer@itinera.test", "Tomás Trainer", {Role.TRAINER}, locale="en", country_code="ES",
              institution_id=institutions["ES"][0].id),
        _user(password, "peer.pt@itinera.test", "Inês Carvalho", {Role.TRAINEE}, locale="pt_BR",
              country_code="PT", institution_id=institutions["PT"][0].id, position="manager"),
    ]
    for cc, locale in LOCALE_OF.items():
        country = cc.upper()
        national, regional, local = institutions[country]
        coordinator_name, manager_name, technician_name = NAMES[cc]
        people.append(_user(password, f"coord.{cc}@itinera.test", coordinator_name, {Role.COORDINATOR},
                            locale=locale, country_code=country, institution_id=national.id))
        trainees = [
            _user(password, f"manager.{cc}@itinera.test", manager_name, {Role.TRAINEE}, locale=locale,
                  country_code=country, institution_id=regional.id, position="manager"),
            _user(password, f"technician.{cc}@itinera.test", technician_name, {Role.TRAINEE}, locale=locale,
                  country_code=country, institution_id=regional.id, position="technician"),
        ]
        for index, (local_part, name, position) in enumerate(EXTRA_TRAINEES[cc]):
            trainees.append(_user(password, f"{local_part}@itinera.test", name, {Role.TRAINEE}, locale=locale,
                                  country_code=country, position=position,
                                  institution_id=(local if index % 2 else regional).id))
        people.extend(trainees)
        cohort_name = COHORT_NAMES[locale]
        cohort = db.session.scalar(sa.select(Cohort).where(Cohort.country_code == country,
                                                           Cohort.name == cohort_name))
        if cohort is None:
            cohort = Cohort(name=cohort_name, country_code=country, description="")
            db.session.add(cohort)
            db.session.flush()
            add_members(SYSTEM, cohort, trainees)
    db.session.flush()
    return [(u.email, ", ".join(sorted(r.value for r in u.roles)), u.country_code, u.created_at >= started)
            for u in people]

