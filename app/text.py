"""Comparing and ordering what people write, whatever its accents and case."""
import unicodedata


def plain(text: str) -> str:
    """Lower case without accents: "Ñuble" → "nuble", "São Paulo" → "sao paulo" (letters outside Latin kept)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sort_key(text: str) -> tuple[str, str]:
    """Alphabetical order as a reader expects it: accented letters beside their base letter (Córdoba before
    Cundinamarca, Áustria before Bélgica), the accent deciding only between otherwise equal names."""
    return plain(text), text.casefold()


KEY_LENGTH = 200  # the columns that keep a search key are as long as the names they key


def search_key(text: str | None) -> str:
    """What a name is searched and ordered by, kept beside it (databases lower only A–Z, and keep accents)."""
    return plain(text or "")[:KEY_LENGTH]


def contains(column, words: str):
    """A condition: ``column`` (a search key) contains what someone typed, accents and case aside."""
    return column.contains(search_key(words.strip()), autoescape=True)
