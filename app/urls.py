"""Absolute URLs built from ITINERA_BASE_URL, usable outside a request (e-mails, jobs, xAPI identifiers)."""
from urllib.parse import quote, urlencode, urlsplit

from flask import current_app, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path of this site, else None: the only safe place to send someone back to.
    Browsers read '/\\host' and '/<tab>/host' as another site's address, so those are refused too."""
    if not target or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # "//[::1": not even a URL
        return None
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def openable_path(target: str | None) -> str | None:
    """``target`` when it is a path of this site that a browser can open (a route answering GET): where to go on
    after signing in. ``?next=/auth/logout`` or a mistyped address would land on an error page instead."""
    path = local_path(target)
    if path is None:
        return None
    try:
        current_app.url_map.bind("localhost", script_name=request.script_root or "/").match(
            urlsplit(path).path, method="GET")
    except RequestRedirect:  # a trailing slash to add: the browser follows it
        return path
    except HTTPException:
        return None
    return path


def absolute_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def url_with_query(endpoint: str, values: dict, query: MultiDict, anchor: str | None = None) -> str:
    """The address of ``endpoint`` (with the path ``values``) followed by ``query`` as its query string. The query
    never reaches url_for's own arguments: a parameter named _anchor, _external, endpoint or like a part of the
    path (which a visitor may add to any address) stays a parameter instead of breaking the page."""
    url = url_for(endpoint, **values)
    if query:
        url += ("&" if "?" in url else "?") + query_string(query)
    return url + (f"#{quote(anchor)}" if anchor else "")


def query_string(query: MultiDict) -> str:
    """``query`` encoded as url_for encodes the parameters it adds."""
    return urlencode(list(query.items(multi=True)), safe="!$'()*,/:;?@")
