"""Helpers shared by every domain's forms."""
from collections import Counter

from flask_wtf import FlaskForm
from wtforms.fields import FieldList, FormField, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, StopValidation

from app.errors import EditConflict, ValidationError


class Form(FlaskForm):
    """The base of every form. Its hidden fields (the CSRF token, one-time and revision tokens) and its buttons
    render without an id: a page with several forms (the account page, a person's page) would otherwise repeat
    id="csrf_token" and id="submit", and nothing links to them (labels and error summaries link to the fields
    people fill in)."""

    class Meta:
        def render_field(self, field, render_kw):
            if field.type in ("CSRFTokenField", "HiddenField", "SubmitField"):
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)

    def hidden_tag(self, *fields):
        """The hidden fields and, on a page a POST-only address sent back with errors, the page the form was on
        (the language switcher leads there however many times the form is refused)."""
        from app.template_helpers import form_page_field

        return super().hidden_tag(*fields) + form_page_field()


def leaf_fields(form):
    """Every field a person fills in, in order: the rows of a list of subforms (FieldList of FormField) give
    their own fields, named as the browser sends them (alignments-1-code), so errors link to them."""
    for field in form:
        if isinstance(field, (FieldList, FormField)):
            yield from leaf_fields(field)
        else:
            yield field


def summary_errors(form) -> list[tuple[str | None, str]]:
    """(id of the field or None, text) of every error of the form, in the order of its fields. A message that
    several fields share names its field ("Skills (Español): Write this text in every language"), so that no two
    links of the error summary read the same."""
    items = [(None, str(message)) for message in form.form_errors]
    pairs = [(field, str(message)) for field in leaf_fields(form) for message in field.errors]
    shared = Counter(message for _field, message in pairs)
    labels = Counter((str(field.label.text), message) for field, message in pairs)
    for field, message in pairs:
        if shared[message] > 1:
            name = str(field.label.text)
            if labels[(name, message)] > 1 and field.description:  # the same text in several languages
                name = f"{name} ({field.description})"
            message = f"{name}: {message}"
        items.append((field.id, message))
    return items


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's validation messages on the matching form fields (by their full name, rows of a list
    included), or on the form. After an EditConflict the form's ``revision`` becomes the record's: saving
    again, having been told, replaces the other change."""
    if isinstance(error, EditConflict) and "revision" in form:
        form.revision.data = error.revision
    fields = {field.name: field for field in leaf_fields(form)}
    fields.update((field.short_name, field) for field in form)  # a prefixed form's fields by their own name too
    for name, message in error.errors.items():
        field = fields.get(name)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


def more_errors(form, errors: dict) -> None:
    """Add a service's findings to a form that failed its own checks, on the fields that have no error yet: one
    round of corrections is then enough."""
    in_error = {field.name for field in leaf_fields(form) if field.errors}
    apply_errors(form, ValidationError({name: message for name, message in errors.items() if name not in in_error}))


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select, radio or checkbox field."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class WholeNumberField(IntegerField):
    """An optional whole number from ``minimum`` to ``maximum`` that says what is wrong in ``message``, once:
    not WTForms' generic words, nor two messages for text that is not a number."""

    def __init__(self, label, *, message, minimum=None, maximum=None, **kwargs):
        self.message = message
        super().__init__(label, validators=[Optional(), self._readable,
                                            NumberRange(min=minimum, max=maximum, message=message)], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.message) from None

    @staticmethod
    def _readable(_form, field):
        if field.process_errors:  # said already, when the text was read
            raise StopValidation()
