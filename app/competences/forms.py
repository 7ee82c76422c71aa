from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

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


CompetenceForm = type("CompetenceForm", (FlaskForm,), {
    **_text_fields(("title", "knowledge", "skills", "attitudes"), {"knowledge", "skills", "attitudes"}),
    "validity_months": IntegerField(_l("Valid for (months)"), validators=[Optional()],
                                    description=_l("Optional. After this many months an achieved level no longer "
                                                   "counts. Empty means it does not expire.")),
    "target_technician": SelectField(_l("Target level for technicians"), validate_choice=False),
    "target_manager": SelectField(_l("Target level for managers"), validate_choice=False),
    "submit": SubmitField(_l("Save")),
})

LevelForm = type("LevelForm", (FlaskForm,), {
    **_text_fields(("name", "descriptor"), {"descriptor"}),
    "submit": SubmitField(_l("Save")),
})

AreaForm = type("AreaForm", (FlaskForm,), {
    **_text_fields(("title",), set()),
    "submit": SubmitField(_l("Save")),
})
