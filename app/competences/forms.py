from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from app.competences.files import ALIGNMENT_FRAMEWORKS, MAX_VALIDITY_MONTHS
from app.forms import options
from app.template_helpers import LANGUAGE_NAMES

LOCALES = ("es", "pt_BR", "en")
FIELD_LABELS = {"title": _l("Title"), "knowledge": _l("Knowledge"), "skills": _l("Skills"),
                "attitudes": _l("Attitudes and values"), "name": _l("Name"), "descriptor": _l("Descriptor")}


def _text_fields(names: tuple[str, ...], long: set[str]):
    """One field per text and language: name_es, name_pt_BR, name_en."""
    fields = {}
    for name in names:
        for locale in LOCALES:
            field_class = TextAreaField if name in long else StringField
            fields[f"{name}_{locale}"] = field_class(
                FIELD_LABELS[name], validators=[Length(max=4000)],
                render_kw={"lang": locale.replace("_", "-")}, description=LANGUAGE_NAMES[locale])
    return fields


def _level_or_none(value):
    return int(value) if value not in (None, "", "None") else None


def _alignment_fields(rows: int):
    """Rows of an alignment (framework, code, uri, name): alignment_1_framework, alignment_1_code, ..."""
    frameworks = options([("", _l("None"))] + [(name, name) for name in ALIGNMENT_FRAMEWORKS])
    fields = {}
    for number in range(1, rows + 1):
        fields[f"alignment_{number}_framework"] = SelectField(_l("Framework"), choices=frameworks, default="")
        fields[f"alignment_{number}_code"] = StringField(_l("Code"), validators=[Length(max=40)])
        fields[f"alignment_{number}_uri"] = StringField(_l("Address (URI)"), validators=[Length(max=300)])
        fields[f"alignment_{number}_name"] = StringField(_l("Name"), validators=[Length(max=300)])
    return fields


def competence_form(alignment_rows: int):
    """The competence edit form with this many alignment rows (the ones a competence has and a few blank)."""
    form_class = type("CompetenceForm", (FlaskForm,), {
        **_text_fields(("title", "knowledge", "skills", "attitudes"), {"knowledge", "skills", "attitudes"}),
        "validity_months": IntegerField(
            _l("Valid for (months)"), validators=[Optional(), NumberRange(min=1, max=MAX_VALIDITY_MONTHS)],
            description=_l("Optional, from 1 to %(most)s. After this many months an achieved level no longer "
                           "counts. Empty means it does not expire.", most=MAX_VALIDITY_MONTHS)),
        "target_technician": SelectField(_l("Target level for technicians"), coerce=_level_or_none),
        "target_manager": SelectField(_l("Target level for managers"), coerce=_level_or_none),
        **_alignment_fields(alignment_rows),
        "submit": SubmitField(_l("Save")),
    })
    form_class.alignment_rows = alignment_rows
    return form_class()


class MoveForm(FlaskForm):
    version = SelectField(_l("Move to version"), coerce=int)
    submit = SubmitField(_l("Move"))

LevelForm = type("LevelForm", (FlaskForm,), {
    **_text_fields(("name", "descriptor"), {"descriptor"}),
    "submit": SubmitField(_l("Save")),
})

AreaForm = type("AreaForm", (FlaskForm,), {
    **_text_fields(("title",), set()),
    "submit": SubmitField(_l("Save")),
})
