"""Helpers shared by every domain's forms."""
import math
import re
from collections import Counter

from flask import abort
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from wtforms.fields import FieldList, FileField, FormField, IntegerField, TextAreaField
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

        def wrap_formdata(self, form, formdata):
            from flask import request
            from flask_wtf.form import _Auto, _is_submitted

            if formdata is _Auto and _is_submitted() and request.files:
                # a file only where the form takes one: one sent for a text field would reach its validators
                # (the form's own fields: its lists are not filled yet, and none of them holds a file field)
                takes = {field.name for field in form if isinstance(field, FileField)}
                files = [(name, file) for name, file in request.files.items(multi=True) if name in takes]
                return CombinedMultiDict((ImmutableMultiDict(files), request.form)) if files else request.form
            if formdata is _Auto and _is_submitted() and request.is_json and not request.form:
                return json_formdata(request.get_json())  # what Flask-WTF reads too, but any JSON at all
            return super().wrap_formdata(form, formdata)

    def choices_from(self, build) -> None:
        """Set, with ``build()``, the choices of fields that depend on the form's own data (the institutions and
        regions of the country chosen), now and again whenever that data changes after the view: a form kept for
        its person (app.kept) is filled in just before its page renders, and its lists follow what it holds."""
        self._build_choices = build
        build()

    def rebuild_choices(self) -> None:
        """The choices of ``choices_from`` built again from the form's data as it is now."""
        build = getattr(self, "_build_choices", None)
        if build is not None:
            build()

    def hidden_tag(self, *fields):
        """The hidden fields; on a page a POST-only address sent back with errors, the page the form was on (the
        language switcher leads there however many times the form is refused); for a signed-in person, the token
        that lets what they type be kept should the form be sent once their sign-in or the page has expired
        (app.kept)."""
        from app.kept import token_field
        from app.template_helpers import form_page_field

        return super().hidden_tag(*fields) + form_page_field() + token_field(self)


def _json_values(value) -> list[str]:
    if isinstance(value, bool):
        return ["y"] if value else []  # a box ticked, or not
    if isinstance(value, (int, float)):
        return [str(value)]
    if isinstance(value, str):  # a lone surrogate cannot be stored: replaced, as in a form body that is not UTF-8
        return [value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")]
    if isinstance(value, list):
        return [text for item in value if not isinstance(item, (list, dict)) for text in _json_values(item)]
    return []  # null, an object: nothing a field reads


def json_formdata(data) -> ImmutableMultiDict:
    """A JSON body (which Flask-WTF reads as a form's data) as a browser would send the form: an object's strings,
    numbers and lists of them as the fields' values; anything else sends nothing, which the form's own checks
    then refuse, with its messages (a body that is no object, values of other shapes, used to be an error page).
    A NUL is refused (400) as in a form body (app.errors.reject_unreadable_input)."""
    if not isinstance(data, dict):
        return ImmutableMultiDict()
    pairs = [(str(key), text) for key, value in data.items() for text in _json_values(value)]
    if any("\x00" in key or "\x00" in text for key, text in pairs):
        abort(400)
    return ImmutableMultiDict(pairs)


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
    several fields share names its field, and the field's language when it is one of a text's languages ("Skills –
    Español: Write this text in every language"; a dash, as the language may hold brackets: "Português
    (Brasil)"), so that no two links of the error summary read the same and all name their field alike. A text in
    one of its languages is always named: its message ("this text") means something only beside the field."""
    items = [(None, str(message)) for message in form.form_errors]
    pairs = [(field, str(message)) for field in leaf_fields(form) for message in field.errors]
    shared = Counter(message for _field, message in pairs)
    for field, message in pairs:
        in_a_language = bool((field.render_kw or {}).get("lang") and field.description)
        if shared[message] > 1 or in_a_language:
            name = str(field.label.text)
            if in_a_language:
                name = f"{name} – {field.description}"  # (the description names the language)
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


LINE_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*")


class LineField(TextAreaField):
    """A text of one line that may be longer than its box (a title, a name): a text box cut it at 360 px. A
    textarea as many rows high as the text takes on a phone (the stylesheet fits it to its text where the browser
    can), whose line breaks, Enter pressed in it, become spaces."""

    ROW_CHARACTERS = 30  # about what a row of a box holds at 360 px

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = LINE_BREAKS.sub(" ", self.data).strip() if self.data else self.data

    def __call__(self, **kwargs):
        kwargs.setdefault("rows", max(1, math.ceil(len(self._value()) / self.ROW_CHARACTERS)))
        kwargs["class"] = f"{kwargs.get('class', '')} input--line".strip()
        return super().__call__(**kwargs)


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
