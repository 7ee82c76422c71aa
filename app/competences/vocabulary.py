"""The controlled vocabulary of alignments with other frameworks: the codes and their names, the checks of an
alignment and what each problem tells a file's reader (English) and the edit form's reader (their language)."""
import re

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# (framework, code) -> the name shown in the reader's language; the codes are read from here. The name written
# in the file is shown for anything else (ESCO skills, named by their URI).
ALIGNMENT_NAMES = {
    # DigComp 2.2: 5 areas, 21 competences
    ("DigComp", "1.1"): _l("Browsing, searching and filtering data, information and digital content"),
    ("DigComp", "1.2"): _l("Evaluating data, information and digital content"),
    ("DigComp", "1.3"): _l("Managing data, information and digital content"),
    ("DigComp", "2.1"): _l("Interacting through digital technologies"),
    ("DigComp", "2.2"): _l("Sharing through digital technologies"),
    ("DigComp", "2.3"): _l("Engaging in citizenship through digital technologies"),
    ("DigComp", "2.4"): _l("Collaborating through digital technologies"),
    ("DigComp", "2.5"): _l("Netiquette"),
    ("DigComp", "2.6"): _l("Managing digital identity"),
    ("DigComp", "3.1"): _l("Developing digital content"),
    ("DigComp", "3.2"): _l("Integrating and re-elaborating digital content"),
    ("DigComp", "3.3"): _l("Copyright and licences"),
    ("DigComp", "3.4"): _l("Programming"),
    ("DigComp", "4.1"): _l("Protecting devices"),
    ("DigComp", "4.2"): _l("Protecting personal data and privacy"),
    ("DigComp", "4.3"): _l("Protecting health and well-being"),
    ("DigComp", "4.4"): _l("Protecting the environment"),
    ("DigComp", "5.1"): _l("Solving technical problems"),
    ("DigComp", "5.2"): _l("Identifying needs and technological responses"),
    ("DigComp", "5.3"): _l("Creatively using digital technologies"),
    ("DigComp", "5.4"): _l("Identifying digital competence gaps"),
    # EntreComp: 3 areas, 15 competences
    ("EntreComp", "1.1"): _l("Spotting opportunities"),
    ("EntreComp", "1.2"): _l("Creativity"),
    ("EntreComp", "1.3"): _l("Vision"),
    ("EntreComp", "1.4"): _l("Valuing ideas"),
    ("EntreComp", "1.5"): _l("Ethical and sustainable thinking"),
    ("EntreComp", "2.1"): _l("Self-awareness and self-efficacy"),
    ("EntreComp", "2.2"): _l("Motivation and perseverance"),
    ("EntreComp", "2.3"): _l("Mobilising resources"),
    ("EntreComp", "2.4"): _l("Financial and economic literacy"),
    ("EntreComp", "2.5"): _l("Mobilising others"),
    ("EntreComp", "3.1"): _l("Taking the initiative"),
    ("EntreComp", "3.2"): _l("Planning and management"),
    ("EntreComp", "3.3"): _l("Coping with uncertainty, ambiguity and risk"),
    ("EntreComp", "3.4"): _l("Working with others"),
    ("EntreComp", "3.5"): _l("Learning through experience"),
    # GreenComp: 4 areas, 12 competences
    ("GreenComp", "1.1"): _l("Valuing sustainability"),
    ("GreenComp", "1.2"): _l("Supporting fairness"),
    ("GreenComp", "1.3"): _l("Promoting nature"),
    ("GreenComp", "2.1"): _l("Systems thinking"),
    ("GreenComp", "2.2"): _l("Critical thinking"),
    ("GreenComp", "2.3"): _l("Problem framing"),
    ("GreenComp", "3.1"): _l("Futures literacy"),
    ("GreenComp", "3.2"): _l("Adaptability"),
    ("GreenComp", "3.3"): _l("Exploratory thinking"),
    ("GreenComp", "4.1"): _l("Political agency"),
    ("GreenComp", "4.2"): _l("Collective action"),
    ("GreenComp", "4.3"): _l("Individual initiative"),
    # OECD-OPSI core skills for public sector innovation (2017)
    ("OECD-OPSI", "iteration"): _l("Iteration"),
    ("OECD-OPSI", "data-literacy"): _l("Data literacy"),
    ("OECD-OPSI", "user-centricity"): _l("User centricity"),
    ("OECD-OPSI", "curiosity"): _l("Curiosity"),
    ("OECD-OPSI", "storytelling"): _l("Storytelling"),
    ("OECD-OPSI", "insurgency"): _l("Insurgency"),
}
ALIGNMENT_CODES: dict[str, tuple[str, ...]] = {}
for _framework, _code in ALIGNMENT_NAMES:
    ALIGNMENT_CODES[_framework] = (*ALIGNMENT_CODES.get(_framework, ()), _code)
ALIGNMENT_FRAMEWORKS = ("ESCO", *ALIGNMENT_CODES)  # ESCO skills are named by their URI
ALIGNMENT_KEYS = ("framework", "code", "uri", "name")
MAX_ALIGNMENTS = 30  # per competence: a handful in practice; a page of thousands of rows is a mistake
ALIGNMENT_MAX_LENGTHS = {"code": 40, "uri": 300, "name": 300}  # in files and in the edit form alike
ESCO_SKILL = re.compile(r"^http://data\.europa\.eu/esco/skill/[0-9a-f-]{36}\Z")


def alignment_problems(alignment: dict) -> list[tuple[str, str]]:
    """What is wrong with one alignment, as (key, reason) pairs, the reasons being those of ALIGNMENT_MESSAGES."""
    framework = alignment.get("framework")
    if framework not in ALIGNMENT_FRAMEWORKS:
        return [("framework", "no-framework" if framework is None else "unknown-framework")]
    wrong = [key for key in ("code", "uri", "name")
             if alignment.get(key) is not None and not isinstance(alignment[key], str)]
    found = [(key, "number" if isinstance(alignment[key], (int, float)) else "not-text") for key in wrong]
    if found:
        return found
    code, uri = alignment.get("code") or "", alignment.get("uri") or ""
    if framework == "ESCO":
        if not ESCO_SKILL.match(uri):
            found.append(("uri", "esco-uri"))
        if code:
            found.append(("code", "esco-code"))
        return found
    if not code:
        found.append(("code", "needs-code"))
    elif code not in ALIGNMENT_CODES[framework]:
        found.append(("code", "unknown-code"))
    if uri and not re.match(r"^https?://\S+\Z", uri):
        found.append(("uri", "not-http"))
    return found


# reason -> (what a file's reader is told, in English: str.format; what the edit form says, translated: %-style).
# Both take the values of _message_values().
ALIGNMENT_MESSAGES = {
    "no-framework": ("an alignment names its framework: one of {frameworks}", _l("Choose the framework")),
    "unknown-framework": ("unknown framework {framework!r} in an alignment: use one of {frameworks}",
                          _l("Choose the framework")),
    "number": ('the alignment {key} {value!r} is read as a number, not text: put it in quotes, as in {key}: "1.10" '
               "(YAML reads 1.10 as the number 1.1)", _l("Write this as text")),
    "not-text": ("the alignment {key} must be text", _l("Write this as text")),
    "esco-uri": ("an ESCO alignment needs the skill's uri: http://data.europa.eu/esco/skill/ followed by its "
                 "36-character identifier{not_one}",
                 _l("Give the ESCO skill's address: http://data.europa.eu/esco/skill/ followed by its 36-character "
                   "identifier, as ESCO's page of the skill shows it")),
    "esco-code": ("an ESCO alignment names its skill by uri, not by code",
                  _l("An ESCO skill is given by its address: leave the code empty")),
    "needs-code": ("a {framework} alignment needs a code, such as {example!r}",
                   _l("Give the %(framework)s code, such as %(example)s")),
    "unknown-code": ("{value!r} is not a {framework} code (the codes are {codes})",
                     _l("This is not a %(framework)s code: use one of %(codes)s")),
    "not-http": ("an alignment uri is an http(s) address", _l("Give an address starting with http:// or https://")),
    "twice": ("the {framework} alignment {value!r} is given twice: keep one",
              _l("This alignment is given twice: remove one of them")),
}


def alignment_target(alignment: dict) -> tuple[str, str]:
    """What an alignment (one without problems) points at, as the key naming it and its value: an ESCO skill's
    uri, another framework's code. Two alignments of a competence with the same target are one given twice."""
    key = "uri" if alignment["framework"] == "ESCO" else "code"
    return key, f"{alignment['framework']} {alignment[key]}"


def _message_values(key: str, alignment: dict) -> dict:
    framework, value = alignment.get("framework"), alignment.get(key)
    codes = ALIGNMENT_CODES.get(framework, ()) if isinstance(framework, str) else ()
    return {"framework": framework, "key": key, "value": value, "frameworks": ", ".join(ALIGNMENT_FRAMEWORKS),
            "codes": ", ".join(codes), "example": codes[0] if codes else "",
            "not_one": f" ({value!r} is not one)" if value else ""}


def alignment_message(reason: str, key: str, alignment: dict) -> str:
    """A problem of alignment_problems() as a file's reader is told it (English, quoting what the file says)."""
    return ALIGNMENT_MESSAGES[reason][0].format(**_message_values(key, alignment))


def alignment_error(reason: str, key: str, alignment: dict) -> LazyString:
    """A problem of alignment_problems() as the edit form says it, in the reader's language."""
    template, values = ALIGNMENT_MESSAGES[reason][1], _message_values(key, alignment)
    return LazyString(lambda: str(template) % values)
