"""Static files carry a content fingerprint in their URLs and are then cached for a year."""
import re

from app.static_files import Fingerprints

ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def test_pages_link_fingerprinted_assets_that_browsers_keep(client, login_as):
    login_as("trainee")  # signed-in pages are private, no-store; their assets are still cacheable
    links = ASSET.findall(client.get("/").text)
    assert {link.split("?")[0] for link in links} >= {"/static/css/itinera.css", "/static/js/itinera.js"}
    for link in links:
        assert re.search(r"\?v=[0-9a-f]{12}$", link), link
        response = client.get(link)
        response.close()  # (a file response holds its file open until closed)
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.immutable and response.cache_control.public
        assert not response.cache_control.no_cache and not response.cache_control.no_store
        # the same bytes for everyone in every language: a browser that varied them on the cookie asked again
        # after each sign-in and change of language, and held the page's rendering until the answer came
        assert "Vary" not in response.headers, response.headers["Vary"]


def test_an_old_or_missing_fingerprint_is_revalidated(client):
    for url in ("/static/css/itinera.css", "/static/css/itinera.css?v=000000000000"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200
        assert response.cache_control.no_cache and response.cache_control.max_age is None


def test_the_fingerprint_follows_the_content(tmp_path):
    (tmp_path / "site.css").write_text("body { color: black }")
    fingerprint = Fingerprints(str(tmp_path))
    first = fingerprint("site.css")
    assert first == fingerprint("site.css")
    (tmp_path / "site.css").write_text("body { color: navy; }")  # another size: a new fingerprint
    assert fingerprint("site.css") not in (None, first)
    assert fingerprint("missing.css") is None
    assert fingerprint("../site.css") is None  # nothing outside the folder


def test_a_static_address_with_a_nul_is_refused_with_the_error_page(client):
    """The error page links the same address in the other languages, which fingerprints the file named: a NUL
    in that name made os.stat raise (ValueError, not OSError) and the 400 a 500."""
    response = client.get("/static/css/%00")
    assert response.status_code == 400
    assert "text/html" in response.content_type
    assert Fingerprints(client.application.static_folder)("css/itinera.css\x00") is None
