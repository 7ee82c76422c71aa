"""Helpers shared by every domain's forms."""
from wtforms.fields.choices import SelectChoice

from app.errors import ValidationError


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's validation messages on the matching form fields (or on the form)."""
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select, radio or checkbox field."""
    return [SelectChoice(str(value), label) for value, label in pairs]
