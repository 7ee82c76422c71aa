"""Reading trainee lists as people save them: CSV in UTF-8 (with or without BOM), UTF-16 with a BOM or
Windows-1252, separated by commas or semicolons (or as Excel's "sep=" first line says), or the first sheet of an
XLSX workbook. Headers may be in English, Spanish or Portuguese."""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

MAX_ROWS = 10_000

# canonical field -> header spellings (compared without accents, case or punctuation)
HEADERS = {
    "email": ["email", "e-mail", "e mail", "mail", "correo", "correo electronico", "email address",
              "e-mail address", "endereco de e-mail", "endereco de email"],
    "full_name": ["full name", "name", "nombre", "nombre completo", "nombre y apellido", "nombres y apellidos",
                  "nome", "nome completo"],
    "position": ["position", "role", "cargo", "puesto", "posicion", "funcao", "posicao", "perfil"],
    "institution": ["institution", "organisation", "organization", "institucion", "organismo", "entidad",
                    "instituicao", "orgao", "entidade"],
    "region": ["region", "state", "province", "region/estado", "departamento", "provincia", "estado", "regiao"],
    "language": ["language", "locale", "idioma", "lengua", "lingua"],
}
REQUIRED = ("email", "full_name", "position")


class FileProblem(Exception):
    """The file as a whole cannot be read; ``code`` names the reason, ``params`` fill its message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class ParsedFile:
    rows: list[dict] = field(default_factory=list)  # {"line": n, field: value, ...}
    columns: list[str] = field(default_factory=list)


def fold(text) -> str:
    """Lower case, no accents, single spaces: how headers and names are compared."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("_", " ").split())


# NUL and the other control characters (tab and line breaks aside) are never text a person typed: they come from
# a damaged file or one saved in another encoding, and no database column takes NUL. Each becomes U+FFFD, which
# the checks report as an unreadable character.
_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127], "\ufffd")
UNREADABLE = "\ufffd"


def _readable(cell: str) -> str:
    return cell.translate(_CONTROL)


_HEADER_LOOKUP = {fold(spelling): name for name, spellings in HEADERS.items() for spelling in spellings}


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 ("Unicode text" in Excel), with its BOM
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise FileProblem("encoding") from error
    sample = data[:400]
    if sample.count(0) > len(sample) // 4:  # UTF-16 or UTF-32 without a BOM, or not text at all
        raise FileProblem("encoding")
    has_bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data[3:].decode("utf-8") if has_bom else data.decode("utf-8")
    except UnicodeDecodeError as error:
        if has_bom:
            raise FileProblem("encoding") from error
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise FileProblem("encoding") from error


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)


def _table_from_csv(data: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(data)
    line = 1
    first, _newline, rest = text.partition("\n")
    declared = SEP_LINE.fullmatch(first.rstrip("\r"))
    if declared:  # Excel's "sep=;" line names the separator; it is not the header
        text, line = rest, 2
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=declared.group(1) if declared else _delimiter(text))
    table = []
    try:
        offset = line - 1
        for row in reader:
            table.append((line, row))
            line = offset + reader.line_num + 1
    except csv.Error as error:
        raise FileProblem("csv", line=line) from error
    return table


def _table_from_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors for damaged files
        raise FileProblem("xlsx") from error
    try:
        sheet = workbook.worksheets[0]
        table = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            table.append((number, ["" if v is None else str(v) for v in values]))
            if number > MAX_ROWS + 100:
                break
        return table
    finally:
        workbook.close()


def read_table(filename: str, data: bytes) -> ParsedFile:
    """Rows of the file as dicts of canonical fields, each with its line number; blank rows are left out."""
    name = (filename or "").lower()
    if not data:
        raise FileProblem("empty")
    if data[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        table = _table_from_xlsx(data)
    elif name.endswith((".xls", ".ods", ".numbers")) or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem("format")
    else:
        table = _table_from_csv(data)

    table = [(line, [_readable(cell).strip() for cell in row]) for line, row in table]
    table = [(line, row) for line, row in table if any(row)]
    if not table:
        raise FileProblem("empty")
    header_line, header = table[0]
    columns: dict[int, str] = {}
    unknown = []
    for index, title in enumerate(header):
        canonical = _HEADER_LOOKUP.get(fold(title))
        if canonical and canonical not in columns.values():
            columns[index] = canonical
        elif title:
            unknown.append(title)
    missing = [name for name in REQUIRED if name not in columns.values()]
    if missing:
        raise FileProblem("columns", missing=missing, line=header_line)
    body = table[1:]
    if len(body) > MAX_ROWS:
        raise FileProblem("too_many", limit=MAX_ROWS, count=len(body))
    rows = []
    for line, values in body:
        row = {"line": line}
        for index, canonical in columns.items():
            row[canonical] = values[index] if index < len(values) else ""
        rows.append(row)
    return ParsedFile(rows=rows, columns=list(columns.values()))
