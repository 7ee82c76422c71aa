"""Module text from Markdown to safe HTML: markdown-it renders, nh3 sanitises, and only video players from an
allow-list may be embedded."""
import posixpath
import re
from functools import lru_cache
from html import escape, unescape
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors.index import slugify
from mdit_py_plugins.footnote import footnote_plugin

from app.content_files import LOCALES_REQUIRED

# Video players a module may embed (iframe src), no tracking variants where they exist.
VIDEO_HOSTS = {"www.youtube-nocookie.com": "/embed/", "player.vimeo.com": "/video/"}

TAGS = {"a", "abbr", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "div", "dl", "dt", "em",
        "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img", "li", "ol", "p", "pre", "q",
        "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "ul"}
ATTRIBUTES = {
    "a": {"href", "title", "id"}, "abbr": {"title"}, "img": {"src", "alt", "title", "width", "height", "loading"},
    "iframe": {"src", "title", "width", "height", "allow", "allowfullscreen", "loading"},
    "th": {"scope", "colspan", "rowspan", "style"}, "td": {"colspan", "rowspan", "style"},
    "li": {"id"}, "section": {"class"}, "sup": {"class", "id"}, "ol": {"start", "class"}, "h2": {"id"},
    "h3": {"id"}, "h4": {"id"}, "hr": {"class"}, "div": {"class"}, "q": {"cite", "lang"}, "blockquote": {"cite"},
    # a title or a phrase in another language than the module's: <cite lang="en">...</cite> (WCAG 3.1.2)
    "cite": {"lang"}, "span": {"lang"}, "i": {"lang"}, "em": {"lang"},
}


def video_allowed(src: str) -> bool:
    parts = urlsplit(src)
    prefix = VIDEO_HOSTS.get(parts.netloc)
    # a browser reads "\\" as "/" and ".." (or %2e%2e) as a step up: /embed/../x is the host's page /x, no player
    steps = unquote(parts.path).replace("\\", "/").split("/")
    return parts.scheme == "https" and prefix is not None and parts.path.startswith(prefix) and \
        not any(step in (".", "..") for step in steps)


YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}\Z")
# a start time as the video sites write it in a link: 90, 90s, 1m30s, 1h2m3s
START_TIME = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", re.I)


def _seconds(value: str) -> int | None:
    """The seconds a start time names ("1m30s" is 90); None for none, or for something else ("soon")."""
    time = START_TIME.fullmatch(value.strip())
    if not value.strip() or time is None:
        return None
    hours, minutes, seconds = (int(part or 0) for part in time.groups())
    return hours * 3600 + minutes * 60 + seconds or None


def _start(parts) -> int | None:
    """Where a link to a video starts it: ?start=, ?t= or #t= (YouTube's links), in seconds."""
    asked = parse_qs(parts.query)
    fragment = parse_qs(parts.fragment)
    for value in (*asked.get("start", ()), *asked.get("t", ()), *fragment.get("t", ())):
        if (seconds := _seconds(value)) is not None:
            return seconds
    return None


def player_for(src: str) -> str | None:
    """The address of the allowed player that shows the video ``src`` names, when it names one another way: the
    embed code YouTube gives (www.youtube.com/embed/ID), a video's page (youtube.com/watch?v=ID, youtu.be/ID,
    vimeo.com/ID) or a player over http. None when there is none (or ``src`` is one already). A start time in the
    link is kept as the player takes it: YouTube's embed ?start=SECONDS, Vimeo's #t=SECONDSs. ``src`` is an address,
    not HTML: an attribute's &amp; is decoded first."""
    parts = urlsplit(src.strip())
    host = parts.netloc.lower().removeprefix("www.").removeprefix("m.")
    path = parts.path
    start = _start(parts)
    video = None
    if host in ("youtube.com", "youtube-nocookie.com"):
        if path.startswith("/embed/"):
            video = path.removeprefix("/embed/")
            # the embed code's own settings stay (rel=0, ...); a start time becomes the one the embed reads
            kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                    if key not in ("t", "start")] + ([("start", str(start))] if start else [])
            found = f"https://www.youtube-nocookie.com/embed/{video}" + (f"?{urlencode(kept)}" if kept else "")
        elif path == "/watch":
            video = parse_qs(parts.query).get("v", [""])[0]
        elif path.startswith(("/shorts/", "/live/")):  # a short's page, a live stream's (its share button's link)
            video = path.split("/", 2)[2].removesuffix("/")
    elif host == "youtu.be":
        video = path.removeprefix("/")
    if video is not None:
        if not path.startswith("/embed/"):  # a video's page: only where it starts matters to the player
            found = f"https://www.youtube-nocookie.com/embed/{video}" + (f"?start={start}" if start else "")
        return found if YOUTUBE_ID.match(video) and found != src else None
    if host in ("vimeo.com", "player.vimeo.com"):
        number = re.fullmatch(r"/(?:video/)?([0-9]+)", path)
        # the player's own settings stay (?h= of an unlisted video); a start time becomes the #t= the player reads
        kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                if key not in ("t", "start")] if host == "player.vimeo.com" else []
        query = f"?{urlencode(kept)}" if kept else ""
        at = f"#t={start}s" if start else ""
        found = f"https://player.vimeo.com/video/{number.group(1)}{query}{at}" if number else None
        return found if found and found != src else None
    return None


# what an embedded player may ask the browser for: never the camera, microphone, location or payments
PLAYER_FEATURES = ("accelerometer", "autoplay", "clipboard-write", "encrypted-media", "fullscreen", "gyroscope",
                   "picture-in-picture", "web-share")


def other_host(address: str) -> bool:
    r"""An address without a scheme that a browser reads as another host: //host/x, /\host/x, \\host\x (as
    browsers do, tabs and line breaks inside are dropped and control characters and spaces around trimmed). In
    a copy opened from a disk it names a network share, file://host/x, which Windows opens with the reader's
    credentials."""
    address = re.sub(r"[\t\n\r]", "", address).strip("".join(map(chr, range(0x21))))
    return bool(re.match(r"[/\\]{2}", address))


def web_address(address: str) -> bool:
    """An http or https address, as a browser reads it (tabs and line breaks dropped, spaces around trimmed)."""
    address = re.sub(r"[\t\n\r]", "", address).strip("".join(map(chr, range(0x21))))
    return bool(re.match(r"https?://", address, re.I))


def _filter(tag: str, attribute: str, value: str):
    if attribute in ("href", "src", "cite") and other_host(unescape(value)):
        return None
    if attribute == "cite":  # the sanitiser checks the scheme of links and images only: javascript: would stay
        return value if web_address(unescape(value)) else None
    if tag == "iframe" and attribute == "src":
        return value if video_allowed(value) else None
    if tag == "iframe" and attribute == "allow":
        features = [f.strip() for f in value.split(";") if f.strip().split(" ")[0] in PLAYER_FEATURES]
        return "; ".join(features) or None
    if attribute == "style":  # markdown-it's table alignment only
        return value if re.fullmatch(r"text-align:(left|right|center)", value) else None
    return value


def _markdown() -> MarkdownIt:
    """CommonMark with tables, footnotes, and an id on each heading (## to ####) so that a section can be linked
    to: [the sources](#sources)."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": True}).enable("table").enable("strikethrough")
    md.use(footnote_plugin).core.ruler.push("anchor", _heading_ids)
    return md


# the ids the module's page gives its own parts (base.html, courses/module.html): a heading never takes one of them
# ("## Main" is main-1), or a page would hold two (the skip link would lead to the heading)
PAGE_IDS = frozenset({"main", "progress-label", "objectives-title", "contents-title"})


def _heading_ids(state) -> None:
    """The ids of headings ## to ####, as mdit_py_plugins' anchors plugin gives them (GitHub's: "## The 4 Cs" is
    the-4-cs, the same title again the-4-cs-1, -2, ...), without trying every number again from 1 for each
    heading of a title already used, which made a module of many same headings take minutes."""
    taken: set[str] = set(PAGE_IDS)
    next_number: dict[str, int] = {}  # per slug, the first number that may be free (every one below is taken)
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open" or token.tag not in ("h2", "h3", "h4"):
            continue
        slug = slugify("".join(child.content for child in state.tokens[index + 1].children or ()
                               if child.type in ("text", "code_inline")))
        unique = slug
        if unique in taken:
            number = next_number.get(slug, 1)
            while f"{slug}-{number}" in taken:
                number += 1
            unique, next_number[slug] = f"{slug}-{number}", number + 1
        taken.add(unique)
        token.attrSet("id", unique)


MD = _markdown()
# Every player, from its opening tag to the first </iframe> after it, as the HTML parser reads it: what an iframe
# holds is raw text up to that point, so scanning from left to right never starts a match inside it. nh3 writes
# attributes as name="value" with quotes inside values escaped, so ' src="' is the attribute and nothing else.
IFRAME = re.compile(r"<iframe([^>]*)>.*?</iframe>", re.S)


# The site sends no Referer to other sites (Referrer-Policy: same-origin), but a player must learn which site embeds
# it (YouTube refuses to play without: "Error 153"; Vimeo checks the sites a video may be embedded on): a player
# is sent the site's origin, never the module's address.
PLAYER_REFERRER = ' referrerpolicy="strict-origin-when-cross-origin"'


def _players(html: str) -> str:
    """Allowed players keep their attributes and lose what they hold (a browser never shows it); a player whose
    address was not allowed lost its src in the sanitiser, and goes."""
    return IFRAME.sub(lambda m: f"<iframe{m.group(1)}{PLAYER_REFERRER}></iframe>" if ' src="' in m.group(1) else "",
                      html)


ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')


def lazy_players(html: str) -> str:
    """A player loads only when the reader scrolls near it: each one weighs hundreds of kilobytes of script,
    which a phone on a slow link should not fetch for a video further down that it may never play."""
    return IFRAME.sub(lambda m: m.group(0) if ' loading="' in m.group(1)
                      else f'<iframe{m.group(1)} loading="lazy"></iframe>', html)


IMAGE = re.compile(r"<img([^>]*)>")


def lazy_images(html: str) -> str:
    """An image loads only when the reader scrolls near it, as players do: a photograph far down a module should
    not be fetched on a slow link before the reader gets there (the printable page keeps every image eager)."""
    return IMAGE.sub(lambda m: m.group(0) if ' loading="' in m.group(1) else f'<img{m.group(1)} loading="lazy">',
                     html)


def players_as_links(html: str) -> str:
    """For a copy read offline: a player cannot play there (nor from a file, where the video hosts refuse to
    be embedded), so each becomes a link to the video, named by its title."""
    def link(match):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        return f'<a href="{attributes["src"]}">{attributes.get("title") or attributes["src"]}</a>'

    return IFRAME.sub(link, html)


ASSET_LINK = re.compile(r"^(?:\.\./)*assets/(.+)$")
# another module of the course, as the files link to each other: ../02-regional-profile/es.md (or its folder)
MODULE_LINK = re.compile(r"^\.\./(\d{2}-([a-z0-9][a-z0-9-]*))(?:/(?:(?:%s)\.md)?)?$" % "|".join(LOCALES_REQUIRED))


def asset_name(target: str) -> str | None:
    """The file inside the course's assets/ folder that a link names ("assets/..." or "../../assets/..."), as
    stored: "./" and "x/../" steps resolved; a name that climbs out of assets/ starts with "../"."""
    # markdown-it percent-encodes addresses and the HTML escapes them; the fragment and the query are cut off
    # before the percent escapes are read (Why%3F.svg and step%232.svg name files)
    match = ASSET_LINK.match(unquote(unescape(target).split("#")[0].split("?")[0]))
    return posixpath.normpath(match.group(1)) if match else None


def module_link(target: str) -> tuple[str, str, str] | None:
    """(folder, module slug, "#fragment" or "") of a link to another module of the course."""
    address, _sep, fragment = unescape(target).partition("#")
    match = MODULE_LINK.match(unquote(address))
    return (match.group(1), match.group(2), f"#{fragment}" if fragment else "") if match else None


def _rewrite_links(html: str, asset_url, module_url=None) -> str:
    """Links to the course's assets folder become the asset route; links to another module, its page."""

    def replace(match):
        name = asset_name(match.group(2))
        if name:  # a fragment goes with it: assets/guide.pdf#page=12 opens that page
            fragment = match.group(2).partition("#")[2]  # as the sanitiser wrote it, escaped
            return f'{match.group(1)}="{escape(asset_url(name))}{"#" + fragment if fragment else ""}"'
        module = module_link(match.group(2)) if module_url is not None and match.group(1) == "href" else None
        if module:
            return f'href="{escape(module_url(module[1], module[2]))}"'
        return match.group(0)

    return re.sub(r'\b(src|href)="([^"]+)"', replace, html)


TAG = re.compile(r"<[a-z][a-z0-9]*\s[^>]*>")
# an id with nothing in it, as the anchors plugin gives a heading without a letter or digit (## …): HTML allows
# none, no link can name it, and on the page of the whole course it would become its module's section's id
EMPTY_ID = re.compile(r'\sid=""')

# a table column's alignment (|--:|): the site's Content-Security-Policy blocks style attributes, a class is not
ALIGNMENT = re.compile(r' style="text-align:(left|right|center)"')


# a web link whose text is its address (<https://...>): on paper, where print.css writes each web link's address
# after it, it is marked not to be written twice
WEB_LINK = re.compile(r'<a href="(https?://[^"]*)"([^>]*)>([^<]*)</a>')


def _mark_addresses(html: str) -> str:
    def mark(match):
        href, rest, text = match.groups()
        if unquote(unescape(text)).strip() != unquote(unescape(href)):
            return match.group(0)
        return f'<a href="{href}" class="address"{rest}>{text}</a>'
    return WEB_LINK.sub(mark, html)


@lru_cache(maxsize=512)
def _render(markdown: str) -> str:
    html = nh3.clean(MD.render(markdown), tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_filter,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    html = ALIGNMENT.sub(lambda m: "" if m.group(1) == "left" else f' class="align-{m.group(1)}"', html)
    html = TAG.sub(lambda m: EMPTY_ID.sub("", m.group(0)), html)  # only tags: a code sample keeps its text
    return _players(_mark_addresses(html))


TABLE = re.compile(r"<table>(.*?)</table>", re.S)
HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
BODY_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)


def _labelled_cells(table: str) -> str:
    """Each body cell names its column (data-label), so that below 600 px the rows stack as cards."""
    head, _sep, body = table.partition("</thead>")
    if not _sep:
        return table
    labels = [escape(unescape(re.sub(r"<[^>]+>", "", cell)).strip()) for cell in HEADER_CELL.findall(head)]

    def row(match):
        cells = iter(labels)
        return "<tr>" + re.sub(r"<td\b", lambda _m: f'<td data-label="{next(cells, "")}"', match.group(1)) + "</tr>"

    return head + _sep + BODY_ROW.sub(row, body)


HEADING_OR_TABLE = re.compile(r"<h[1-6]\b[^>]*>(.*?)</h[1-6]>|<table>(.*?)</table>", re.S)


def _tables(html: str, label: str) -> str:
    """Wide tables scroll sideways inside a region that keyboard users can focus and screen readers name; on a
    phone their rows stack, each cell with its column's name. A region is named by the heading it comes under
    (``label`` before any), numbered from the second under one heading: landmarks on a page need names apart."""
    state = {"name": label, "count": 0}

    def replace(match):
        heading, table = match.groups()
        if table is None:
            state.update(name=unescape(re.sub(r"<[^>]+>", "", heading)).strip() or label, count=0)
            return match.group(0)
        state["count"] += 1
        name = state["name"] if state["count"] == 1 else f'{state["name"]} ({state["count"]})'
        return (f'<div class="table-scroll" role="region" tabindex="0" aria-label="{escape(name)}">'
                f'<table class="table--stacking">{_labelled_cells(table)}</table></div>')

    return HEADING_OR_TABLE.sub(replace, html)


def to_html(markdown: str, asset_url, module_url=None, sizes=None, anchors: str | None = None) -> str:
    """Safe HTML for a module body; ``asset_url(path)`` gives the address of a course asset, ``module_url(slug,
    "#fragment" or "")`` that of another module (or of a section of it), and ``sizes`` the {path: (width, height)}
    of the course's images. With ``anchors``, the body shares a page with other modules: see ``_anchored``."""
    from flask_babel import gettext

    html = _sized_images(_render(markdown), sizes or {})
    if anchors:
        html = _anchored(html, anchors)
    return _tables(_rewrite_links(html, asset_url, module_url), gettext("Table"))


SECTION = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)


def sections(html: str) -> list[tuple[str, str]]:
    """A module's sections, as its page lists them: (id, text) of each of its ## headings."""
    return [(anchor, unescape(re.sub(r"<[^>]+>", "", text)).strip()) for anchor, text in SECTION.findall(html)]


OWN_ANCHOR = re.compile(r'(\s)(id|href)="(#?)([^"]*)"')


def anchored(module: str, fragment: str = "") -> str:
    """The id, on the page of the whole course, of a module's section (``module-<slug>``) or, with a "#fragment",
    of a place inside it: ``module-<slug>.<id>`` (a slug has no dot, so two modules' ids never meet)."""
    return f"module-{module}" + (f".{fragment.removeprefix('#')}" if fragment.removeprefix("#") else "")


def _anchored(html: str, module: str) -> str:
    """A module's body among the others on one page: each id it gives (its headings, its footnotes) and each link
    to a place in itself names that place with the module's prefix, so that two modules' "Sources" headings or
    their first footnotes stay apart, and each module's links reach its own. Only tags are read: an id written
    as text (a code sample) stays as it was."""
    def attribute(match):
        space, name, hash_sign, value = match.groups()
        if name == "id":
            return f'{space}id="{anchored(module, "#" + hash_sign + value)}"'
        return f'{space}href="#{anchored(module, "#" + value)}"' if hash_sign else match.group(0)

    return TAG.sub(lambda match: OWN_ANCHOR.sub(attribute, match.group(0)), html)


def _sized_images(html: str, sizes: dict) -> str:
    """An image of the course's assets gets the width and height its file gives (unless the text gives a size):
    the browser keeps its place while it loads, so the text does not jump under a reader on a slow link; the
    stylesheet still fits it to the column (max-width, height: auto)."""
    def sized(match):
        attributes = match.group(1)
        source = re.search(r' src="([^"]*)"', attributes)
        name = asset_name(source.group(1)) if source else None
        if name not in sizes or ' width="' in attributes or ' height="' in attributes:
            return match.group(0)
        width, height = sizes[name]
        return f'<img{attributes} width="{width}" height="{height}">'

    return IMAGE.sub(sized, html) if sizes else html


def plain_words(markdown: str) -> int:
    """How many words a body has (for the reading time shown and the content checks)."""
    text = re.sub(r"\]\([^)]*\)", "]", markdown)  # a link's address is not read
    text = re.sub(r"<[^>]+>|[#*_>`\[\]()|-]", " ", text)
    return len(text.split())


HEADING = re.compile(r"<(/?)h([2-6])\b")


def shift_headings(html: str) -> str:
    """A module's body under the module's own heading, on the page of the whole course, where the course's title
    is the h1 and each module's an h2: its sections (##, h2) become h3, and so on down (h6 stays h6)."""
    return HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}", html)
