from functools import partial

from flask_babel import lazy_gettext as _l
from flask_wtf.i18n import translations
from wtforms import (FieldList, FormField, HiddenField, RadioField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import Length, ValidationError

from app.competences.files import MAX_VALIDITY_MONTHS, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, TITLES, kept_text
from app.competences.vocabulary import ALIGNMENT_FRAMEWORKS, ALIGNMENT_MAX_LENGTHS
from app.forms import Form, LineField, WholeNumberField, options
from app.once import OnceForm
from app.template_helpers import LANGUAGE_NAMES

LOCALES = ("es", "pt_BR", "en")
FIELD_LABELS = {"title": _l("Title"), "knowledge": _l("Knowledge"), "skills": _l("Skills"),
                "attitudes": _l("Attitudes and values"), "name": _l("Name"), "descriptor": _l("Descriptor"),
                "description": _l("Description")}


def _text_fields(names: tuple[str, ...], long: set[str]):
    """One field per text and language (name_es, descriptor_es, name_pt_BR, ...), as long as a file may have
    them."""
    fields = {}
    for locale in LOCALES:  # in the order of the page: a group of fields per language
        for name in names:
            field_class = TextAreaField if name in long else LineField
            most = TITLE_MAX_LENGTH if name in TITLES else TEXT_MAX_LENGTH
            fields[f"{name}_{locale}"] = field_class(  # the length of the text as kept (as files count it)
                FIELD_LABELS[name], validators=[Length(max=most)], filters=[partial(kept_text, name=name)],
                render_kw={"lang": locale.replace("_", "-")}, description=LANGUAGE_NAMES[locale])
    return fields


def _level_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class AlignmentForm(Form):
    """One alignment row of the competence form; a plain WTForms form: the competence form carries the CSRF
    token."""

    class Meta:
        def get_translations(self, form):
            return translations  # WTForms' own messages in the reader's language, as in a FlaskForm

    framework = SelectField(_l("Framework"), default="",
                            choices=options([("", _l("None"))] + [(name, name) for name in ALIGNMENT_FRAMEWORKS]))
    code = StringField(_l("Code"), validators=[Length(max=ALIGNMENT_MAX_LENGTHS["code"])])
    uri = StringField(_l("Address (URI)"), validators=[Length(max=ALIGNMENT_MAX_LENGTHS["uri"])])
    name = LineField(_l("Name"), validators=[Length(max=ALIGNMENT_MAX_LENGTHS["name"])])


def _code_field(example: str):
    return StringField(_l("Code"), filters=[lambda value: value.strip() if isinstance(value, str) else value],
                       description=_l("Up to 20 letters A-Z, digits, hyphens and underscores, such as %(example)s. "
                                      "It is part of the address and cannot be changed later.", example=example),
                       render_kw={"autocomplete": "off", "spellcheck": "false"})


# a new part's code, made before the forms' other fields: WTForms orders fields as they were made, and the code
# comes first on the page (and so in the error summary)
_COMPETENCE_CODE, _AREA_CODE = _code_field("B4"), _code_field("C")


# The alignment rows come from what is sent back; the view adds the competence's alignments and a few blank rows
# to a new form (alignments-0-framework, alignments-0-code, ...).
CompetenceForm = type("CompetenceForm", (Form,), {
    **_text_fields(("title", "knowledge", "skills", "attitudes"), {"knowledge", "skills", "attitudes"}),
    "validity_months": WholeNumberField(
        _l("Valid for (months)"), minimum=1, maximum=MAX_VALIDITY_MONTHS,
        message=_l("Give a number of months from 1 to %(most)s, or leave it empty", most=MAX_VALIDITY_MONTHS),
        description=_l("Optional, from 1 to %(most)s. After this many months an achieved level no longer "
                       "counts. Empty means it does not expire.", most=MAX_VALIDITY_MONTHS)),
    "target_technician": SelectField(_l("Target level for technicians"), coerce=_level_or_none),
    "target_manager": SelectField(_l("Target level for managers"), coerce=_level_or_none),
    "alignments": FieldList(FormField(AlignmentForm)),
    "revision": HiddenField(),  # what was shown when the form was opened (services.revision_of)
    "submit": SubmitField(_l("Save")),
})


# a competence added to an area: the fields of a competence and its code (the view gives the example)
NewCompetenceForm = type("NewCompetenceForm", (CompetenceForm,), {"code": _COMPETENCE_CODE})


class RemoveForm(Form):
    """The button that removes a competence or an area (the view asks first: app.confirm)."""

    submit = SubmitField(_l("Remove"))


class MoveForm(Form):
    version = SelectField(_l("Move to version"), coerce=int)
    submit = SubmitField(_l("Move"))

LevelForm = type("LevelForm", (Form,), {
    **_text_fields(("name", "descriptor"), {"descriptor"}),
    "revision": HiddenField(),
    "submit": SubmitField(_l("Save")),
})

AreaForm = type("AreaForm", (Form,), {
    **_text_fields(("title",), set()),
    "revision": HiddenField(),
    "submit": SubmitField(_l("Save")),
})

# the framework's own title and description (of its current version)
FrameworkForm = type("FrameworkForm", (Form,), {
    **_text_fields(("title", "description"), {"description"}),
    "revision": HiddenField(),
    "submit": SubmitField(_l("Save")),
})


NewAreaForm = type("NewAreaForm", (AreaForm,), {"code": _AREA_CODE})


class SelfAssessmentForm(OnceForm):
    """One question per competence (``level_<code>`` radio fields, added by self_assessment_form); sent again (a
    double tap), it gets the answer of its first sending (see once)."""

    submit = SubmitField(_l("Save my estimates"))

    def answers(self) -> dict[str, int | None]:
        """{code: level} of the questions answered; None for "Not sure" (withdraws an estimate). A question the
        request does not answer at all is left as it is."""
        return {field.name.removeprefix("level_"): int(field.data) if field.data else None for field in self
                if field.name.startswith("level_") and field.raw_data}


def _on_the_scale(_form, field) -> None:
    if field.data not in {choice.value for choice in field.choices}:  # named: the list atop the page has them all
        raise ValidationError(_l("Choose a level of the scale for %(code)s", code=field.name.removeprefix("level_")))


def self_assessment_form(version, latest: dict[str, int], level_names: dict[int, str]) -> SelfAssessmentForm:
    """The form for the competences of ``version``, each answered with a level of its scale or "Not sure",
    showing the person's latest estimates (those still on the scale: a new version may have fewer levels)."""
    from wtforms import RadioField
    from wtforms.validators import Optional

    from app.competences.services import text_in

    # "Not sure" (the empty value) withdraws an earlier estimate; it is never checked for the person
    choices = options([*((number, f"{number}. {name}") for number, name in level_names.items()),
                       ("", _l("Not sure"))])

    class Form(SelfAssessmentForm):
        pass

    for competence in version.competences:
        # the buttons after a group's first take its id and "-2", "-3"...; codes hold hyphens too (A1 and A1-2),
        # so a code's hyphens are doubled in the id: no group's id is then another's button, hint or error
        setattr(Form, f"level_{competence.code}", RadioField(
            f"{competence.code} {text_in(competence.title)}", id="level_" + competence.code.replace("-", "--"),
            choices=choices, validate_choice=False,
            validators=[Optional(strip_whitespace=False), _on_the_scale],  # only "" is "Not sure"
            default=str(latest[competence.code]) if latest.get(competence.code) in level_names else None))
    return Form()


class ValidateLevelForm(Form):
    """A coordinator confirms a level of a trainee (choices: the framework's competences and levels, by the view)."""

    code = RadioField(_l("Competence"), validate_choice=False)
    level = SelectField(_l("Level"), validate_choice=False)
    note = TextAreaField(_l("What the level rests on (optional)"),
                         description=_l("For example: a workshop, an assessment or a piece of work outside Itinera. "
                                        "The person sees this note with the level."))
    submit = SubmitField(_l("Validate level"))

    def level_number(self) -> int:
        """The level chosen, or 0 (no level) for anything else."""
        data = self.level.data or ""
        return int(data) if data.isascii() and data.isdigit() and len(data) < 6 else 0


def validate_level_form(version) -> ValidateLevelForm:
    from app.competences.services import text_in

    form = ValidateLevelForm()
    # a list of choices, not a select: a competence's title is longer than a select shows at 360 px
    form.code.choices = options((competence.code, f"{competence.code} {text_in(competence.title)}")
                                for competence in version.competences)
    form.level.choices = options([("", _l("Choose a level"))] + [
        (level.number, f"{level.number}. {text_in(level.name)}") for level in version.levels])
    return form
