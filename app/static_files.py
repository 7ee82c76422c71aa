"""Static files (one stylesheet, one script, the icon) under URLs that carry a fingerprint of their content.

A page links ``/static/css/itinera.css?v=<fingerprint>``; a request for the current fingerprint is answered with
``Cache-Control: public, max-age=<a year>, immutable``, so a browser on a slow connection fetches each file once
per release instead of asking again on every page. A new release changes the content, hence the URL. Requests
without the fingerprint, or with an old one, keep the default: revalidate each time.

A file is the same for everyone in every language, so its answer names no ``Vary``: varied on the cookie, it was
asked for again after each sign-in and change of language, the page waiting for its stylesheet meanwhile."""
import hashlib
import os
import threading

from flask import Flask, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600


class Fingerprints:
    """Content hashes of the files of a static folder, computed again only when a file's size or time changes."""

    def __init__(self, folder: str):
        self.folder = folder
        self._known: dict[str, tuple[tuple[int, int], str]] = {}
        self._lock = threading.Lock()

    def __call__(self, filename: str) -> str | None:
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            stat = os.stat(path)
        except (OSError, ValueError):  # ValueError: a NUL in the name (an address no page links)
            return None
        signature = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(filename)
        if known and known[0] == signature:
            return known[1]
        try:
            with open(path, "rb") as file:
                value = hashlib.sha256(file.read()).hexdigest()[:12]
        except OSError:  # a directory, or a file that went away
            return None
        with self._lock:
            self._known[filename] = (signature, value)
        return value


def same_for_everyone(response) -> bool:
    """Whether the response is a static file's (not an error page, which is in the reader's language)."""
    return request.endpoint == "static" and response.status_code in (200, 304)


def register(app: Flask) -> None:
    fingerprint = Fingerprints(app.static_folder)

    @app.url_defaults
    def add_fingerprint(endpoint, values):
        if endpoint == "static" and "v" not in values:
            value = fingerprint(values.get("filename", ""))
            if value:
                values["v"] = value

    @app.after_request
    def cache_fingerprinted(response):
        if request.endpoint == "static" and response.status_code in (200, 304) and request.view_args \
                and request.args.get("v") == fingerprint(request.view_args.get("filename", "")):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        return response
