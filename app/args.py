"""Numbers read from requests, bounded so that no database is asked for a value its columns cannot hold; whether
a request is a browser fetching a page ahead."""
import re

from flask import current_app, request

from app.extensions import db

MAX_ID = 2**31 - 1  # every primary key is an INTEGER column
MAX_PAGE = 100_000  # far past any real list; keeps OFFSET small

_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(value) -> int | None:
    """The id written in ``value`` (a form or query value), or None when it is not one."""
    text = str(value).strip() if value is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def page_arg(name: str = "page") -> int:
    """The page number asked for in the query string: 1 when missing or unreadable, at most MAX_PAGE."""
    try:
        page = int(request.args.get(name, "1"))
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def paginate(query, name: str = "page", per_page: int | None = None):
    """The page of ``query`` asked for in the query string. A page past the end (a bookmark, or a Previous link
    kept after the list shrank) is the last page, so a list never says it is empty beside its count."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = page_arg(name)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    if page > 1 and not pagination.items and pagination.total:
        pagination = db.paginate(query, page=pagination.pages, per_page=per_page, error_out=False)
    return pagination


def is_prefetch() -> bool:
    """The browser fetches the page ahead of a click that may never come (a prefetch, a prerender: Sec-Purpose,
    or the older Purpose): the page is served, but nobody has opened it, so nothing is recorded as seen."""
    said = f"{request.headers.get('Sec-Purpose', '')};{request.headers.get('Purpose', '')}"
    return "prefetch" in {part.strip().lower() for part in re.split(r"[;,]", said)}
