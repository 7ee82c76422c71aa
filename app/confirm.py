"""Asking before an action that cannot be undone: the same POST, sent again with ``confirmed=1`` from a page
that says what will happen (no JavaScript dialog)."""
from flask import render_template, request


def confirmed() -> bool:
    return request.form.get("confirmed") == "1"


def ask(heading: str, paragraphs: list[str], button: str, cancel: str, crumbs=(), **fields):
    """The confirmation page: what will happen, a button that does it, and a way back."""
    return render_template("confirm.html", heading=heading, paragraphs=paragraphs, button=button, cancel=cancel,
                           crumbs=list(crumbs), fields=fields,
                           action=request.script_root + request.full_path.rstrip("?"))
