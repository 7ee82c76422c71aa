"""Errors services raise, and the handlers that turn errors into translated pages."""
from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class ValidationError(Exception):
    """Raised by a service when input breaks a rule; maps field name -> message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    413: _l("The upload is too large"),
    429: _l("Too many attempts"),
    500: _l("Sorry, something went wrong on our side"),
    503: _l("The service is temporarily unavailable"),
}

EXPLANATIONS = {
    400: _l("Go back, check what you entered and try again. If you submitted a form, reload it first."),
    403: _l("Your account does not have permission to see this. If you think it should, contact your country coordinator."),
    404: _l("If you typed the web address, check it is correct. If you followed a link, it may be out of date."),
    405: _l("Go back to the previous page and use the buttons it offers."),
    413: _l("Choose a smaller file and try again."),
    429: _l("Wait a few minutes before you try again."),
    500: _l("Your work has not been lost. Try again in a few minutes; if it keeps happening, tell the programme team."),
    503: _l("Try again in a few minutes."),
}


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith(("/xapi", "/api")) or (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def handle_http_error(error: HTTPException):
    code = error.code or 500
    if wants_json():
        return jsonify(error=error.name, message=str(TITLES.get(code, error.name))), code
    title = TITLES.get(code, error.name)
    explanation = EXPLANATIONS.get(code, "")
    return render_template("errors/error.html", code=code, title=title, explanation=explanation), code


def register_error_handlers(app) -> None:
    # Unhandled exceptions reach the 500 handler after Flask has logged them;
    # under TESTING they propagate so that tests see the real traceback.
    app.register_error_handler(HTTPException, handle_http_error)
