"""Comparing and ordering what people write, whatever its accents and case."""
import re
import unicodedata
from urllib.parse import quote

import sqlalchemy as sa

# invisible though not format characters (combining grapheme joiner, Hangul fillers, variation selectors)
INVISIBLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
                       "\U000e0100-\U000e01ef]")
# what a name pasted from a document, a web page or a terminal brings that shows nothing: control characters, the
# zero-width space, soft hyphen, word joiner and byte order mark, and the direction embeddings, overrides and
# isolates, which turn around the text after the name too (the joiners of letters and emoji stay)
_SHOWS_NOTHING = "\u00ad\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069"
HIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{_SHOWS_NOTHING}]")

# what a text of several lines (a description, a note) drops of it: the same, but for the line breaks and tabs it
# keeps, and the characters no page or database holds (half of a character, U+FFFE and U+FFFF)
HIDDEN_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_SHOWS_NOTHING}\ud800-\udfff\ufffe\uffff]")


def plain(text: str) -> str:
    """Lower case without accents: "Ñuble" → "nuble", "São Paulo" → "sao paulo" (letters outside Latin kept)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sort_key(text: str) -> tuple[str, str]:
    """Alphabetical order as a reader expects it: accented letters beside their base letter (Córdoba before
    Cundinamarca, Áustria before Bélgica), the accent deciding only between otherwise equal names."""
    return plain(text), text.casefold()


# A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return) as a formula: a name typed as
# =HYPERLINK(...) would run on the computer of whoever opens a file Itinera wrote.
FORMULA = re.compile(r"^'*[ \n]*[=+\-@\t\r]")  # after spaces too: Calc trims them, when asked to


def safe_cell(value) -> str:
    """A cell of a CSV file Itinera writes: one a spreadsheet would run as a formula gets an apostrophe in front, as
    spreadsheets themselves mark text."""
    value = str(value)
    return "'" + value if FORMULA.match(value) else value


KEY_LENGTH = 200  # the columns that keep a search key are as long as the names they key


def search_key(text: str | None) -> str:
    """What a name is searched and ordered by, kept beside it (databases lower only A–Z, and keep accents)."""
    return plain(text or "")[:KEY_LENGTH]


def contains_text(column, text: str, longest: int):
    """A condition: ``column``, of at most ``longest`` characters, contains ``text`` as typed (an e-mail address
    holding a part of one). No value holds a longer text, which is never sent to the database: SQLite refuses a
    pattern past 50,000 bytes, and a list searched with a pasted page answered 500 instead of "nobody matches"."""
    if len(text) > longest:
        return sa.false()
    return column.contains(text, autoescape=True)


def _shown_words(text: str) -> list[str]:
    """The words of ``text`` (split at spaces) without what shows nothing in them (HIDDEN), empty ones left out."""
    return [word for word in (HIDDEN.sub("", word) for word in text.split()) if word]


def search_words(words: str | None) -> list[str] | None:
    """The words someone typed as a search key holds them, each once and without what shows nothing (HIDDEN: a
    zero-width space copied with them); None when they are longer than a key, one after the other: a name searched
    is no longer (its key is cut there), and cutting the words too found people by the beginning of a long search
    whom its tail would have left out."""
    found = list(dict.fromkeys(_shown_words(plain(words or ""))))
    return found if len(" ".join(found)) <= KEY_LENGTH else None


# what a search box keeps of what was typed (its page shows it again): far more than a name's key holds, so that
# the words a search is cut at are longer than any key once each, and the search finds nobody, as the whole would
SEARCH_LENGTH = 5 * KEY_LENGTH


def typed_search(text: str | None) -> str:
    """What someone typed in a search box, on one line with single spaces, as its page shows it again and searches
    it: spaces and line breaks pasted with the words count for one, and a long search is cut at SEARCH_LENGTH, not
    at a key's length, which would find whoever its beginning finds (``contains``)."""
    return " ".join((text or "").split())[:SEARCH_LENGTH]


def contains(column, words: str):
    """A condition: ``column`` (a search key) contains each word someone typed, in any order, accents and case
    aside ("joão silva" finds "João da Silva")."""
    found = search_words(words)
    if found is None:
        return sa.false()
    return sa.and_(sa.true(), *(column.contains(word, autoescape=True) for word in found))


def one_line(text: str | None) -> str:
    """A name as typed, on one line with single spaces, without the characters that show nothing (HIDDEN); "" when
    no letter or digit of it shows: spaces or punctuation alone, or characters that show nothing without being
    spaces (a Hangul filler, a variation selector), which lists would show as a blank name."""
    line = " ".join(_shown_words(text or ""))
    return line if any(c.isalnum() for c in INVISIBLE.sub("", line)) else ""


def kept_lines(text: str | None) -> str:
    """A text of several lines as typed in a form, as it is kept: line breaks as \\n (browsers send \\r\\n), its
    tabs, no spaces around it, and none of the characters that show nothing (HIDDEN_IN_LINES): a control character
    or a direction override pasted with it would turn around the text after it wherever it is shown."""
    return HIDDEN_IN_LINES.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def attachment(filename: str) -> str:
    """A Content-Disposition header that saves a download as ``filename``: an ASCII name every browser reads
    (accents dropped, quotes and controls left out) and, when the name is more than that, the name itself as
    RFC 6266 gives it (``filename*``, UTF-8 percent-encoded), which browsers prefer."""
    simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    simple = "".join(c for c in simple if c.isprintable() and c not in '"\\') or "download"
    if simple == filename:
        return f'attachment; filename="{simple}"'
    return f"attachment; filename=\"{simple}\"; filename*=UTF-8''{quote(filename, safe='')}"
