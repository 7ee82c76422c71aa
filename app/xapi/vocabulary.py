"""The xAPI vocabulary Itinera speaks: verb and activity-type IRIs (ADL and cmi5), our activity IRIs, the actor.

Activity IRIs are stable across course versions (the version goes in context.revision); BASE is
ITINERA_BASE_URL."""
from flask import current_app

# Verbs (ADL vocabulary, http://adlnet.gov/expapi/verbs/, and the cmi5-defined ones)
LAUNCHED = "http://adlnet.gov/expapi/verbs/launched"
INITIALIZED = "http://adlnet.gov/expapi/verbs/initialized"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
SCORED = "http://adlnet.gov/expapi/verbs/scored"
TERMINATED = "http://adlnet.gov/expapi/verbs/terminated"
ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
REGISTERED = "http://adlnet.gov/expapi/verbs/registered"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
WAIVED = "https://w3id.org/xapi/adl/verbs/waived"
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
ABANDONED = "https://w3id.org/xapi/adl/verbs/abandoned"

VERB_DISPLAY = {
    LAUNCHED: {"en-US": "launched", "es": "inició", "pt-BR": "iniciou"},
    INITIALIZED: {"en-US": "initialized", "es": "inicializó", "pt-BR": "inicializou"},
    EXPERIENCED: {"en-US": "experienced", "es": "consultó", "pt-BR": "consultou"},
    ATTEMPTED: {"en-US": "attempted", "es": "intentó", "pt-BR": "tentou"},
    ANSWERED: {"en-US": "answered", "es": "respondió", "pt-BR": "respondeu"},
    COMPLETED: {"en-US": "completed", "es": "completó", "pt-BR": "concluiu"},
    PASSED: {"en-US": "passed", "es": "aprobó", "pt-BR": "foi aprovado em"},
    FAILED: {"en-US": "failed", "es": "no aprobó", "pt-BR": "não foi aprovado em"},
    SCORED: {"en-US": "scored", "es": "obtuvo la puntuación", "pt-BR": "obteve a pontuação"},
    TERMINATED: {"en-US": "terminated", "es": "terminó", "pt-BR": "encerrou"},
    ATTENDED: {"en-US": "attended", "es": "asistió a", "pt-BR": "participou de"},
    REGISTERED: {"en-US": "registered", "es": "se inscribió en", "pt-BR": "inscreveu-se em"},
    VOIDED: {"en-US": "voided", "es": "anuló", "pt-BR": "anulou"},
    WAIVED: {"en-US": "waived", "es": "eximió", "pt-BR": "dispensou"},
    SATISFIED: {"en-US": "satisfied", "es": "satisfizo", "pt-BR": "satisfez"},
    ABANDONED: {"en-US": "abandoned", "es": "abandonó", "pt-BR": "abandonou"},
}

# Activity types
COURSE = "http://adlnet.gov/expapi/activities/course"
MODULE = "http://adlnet.gov/expapi/activities/module"
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
QUESTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
MEETING = "http://adlnet.gov/expapi/activities/meeting"
LESSON = "http://adlnet.gov/expapi/activities/lesson"
ITINERARY = "http://id.tincanapi.com/activitytype/learning-path"
COMPETENCE = "http://adlnet.gov/expapi/activities/objective"
CMI5_MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"

PLATFORM = "Itinera"

# Verbs that mean "done" for the progress projection
COMPLETION_VERBS = {COMPLETED, PASSED}
SUCCESS_VERBS = {PASSED: True, FAILED: False}


def base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def course_iri(course: str) -> str:
    return f"{base()}/activities/courses/{course}"


def module_iri(course: str, module: str) -> str:
    return f"{course_iri(course)}/modules/{module}"


def module_of(iri: str) -> tuple[str, str] | None:
    """(course slug, module slug) when ``iri`` is named like one of our modules' IRIs, else None: a string check,
    no query (most statements the LRS stores are about other sites' activities)."""
    prefix = f"{base()}/activities/courses/"
    if not iri.startswith(prefix):
        return None
    course, marker, module = iri[len(prefix):].partition("/modules/")
    if not marker or not course or not module or "/" in course or "/" in module:
        return None
    return course, module


def question_iri(course: str, module: str, question: str) -> str:
    return f"{module_iri(course, module)}/questions/{question}"


def itinerary_iri(itinerary: str) -> str:
    return f"{base()}/activities/itineraries/{itinerary}"


def workshop_iri(session_uuid) -> str:
    return f"{base()}/activities/workshops/{session_uuid}"


def competence_iri(framework: str, code: str) -> str:
    return f"{base()}/competences/{framework}/{code}"


def actor_for(user) -> dict:
    """The xAPI actor of a user: an account on this site named by the user's UUID (never an e-mail address)."""
    return {"objectType": "Agent", "account": {"homePage": base(), "name": str(user.uuid)}}


def authority() -> dict:
    """The authority of statements Itinera records itself."""
    return {"objectType": "Agent", "name": PLATFORM, "account": {"homePage": base(), "name": "itinera"}}
