"""Reading trainee lists as people save them: CSV in UTF-8 (with or without BOM), UTF-16 with a BOM or
Windows-1252 (line by line, so a list pasted together from both reads right), separated by commas or semicolons (or
as Excel's "sep=" first line says), or the first sheet of an XLSX workbook that holds the list. Headers may be in
English, Spanish or Portuguese, below a title, over two rows (merged cells), with the name in one column or split
into first names and surnames."""
import csv
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time

MAX_ROWS = 10_000

# canonical field -> header spellings (compared without accents, case or punctuation)
HEADERS = {
    "email": ["email", "e-mail", "e mail", "mail", "correo", "correo electronico", "email address",
              "e-mail address", "endereco de e-mail", "endereco de email",
              "direccion de correo electronico", "direccion de correo"],  # a Spanish Google Form's export
    "full_name": ["full name", "nombre completo", "nombre y apellido", "nombres y apellidos", "apellidos y nombres",
                  "apellido y nombre", "apellidos nombres", "apellido nombre", "nombres apellidos", "nombre apellido",
                  "nome completo", "nome e sobrenome", "nome sobrenome"],
    # a name split over columns: the full name is the first names, then the surnames, in the order of the columns
    "given_name": ["name", "first name", "first names", "given name", "given names", "nombre", "nombres",
                   "primer nombre", "nome", "primeiro nome", "prenome"],
    "family_name": ["surname", "surnames", "last name", "family name", "apellido", "apellidos", "apellido paterno",
                    "apellido materno", "primer apellido", "segundo apellido", "sobrenome", "ultimo sobrenome"],
    "position": ["position", "role", "job title", "job position", "cargo", "puesto", "posicion", "rol", "funcion",
                 "funcao", "posicao", "perfil"],
    "institution": ["institution", "organisation", "organization", "institucion", "organismo", "entidad",
                    "instituicao", "orgao", "entidade"],
    "region": ["region", "state", "province", "region/estado", "departamento", "provincia", "estado", "regiao",
               "uf", "unidade federativa", "estado/uf", "uf/estado", "entidad federativa"],
    "language": ["language", "locale", "idioma", "lengua", "lingua"],
}
REQUIRED = ("email", "full_name", "position")
NAME_PARTS = ("given_name", "family_name")  # joined, in this order, when there is no full name column
HEADER_SEARCH = 10  # the header is among the first non-blank rows (a title or a blank row may come first)
MAX_COLUMNS = 200  # columns of a sheet read: a stray cell far to the right must not make every row that wide
MAX_BLANK_RUN = 5_000  # this many blank rows in a row end a sheet's list
# rows of a CSV or a sheet read, blank ones included, before the file is refused: a line of text after every few
# thousand blank lines never makes a run that ends the list, and each row read takes a little time
MAX_ROWS_READ = 10 * MAX_ROWS
NOTE_COLUMNS, NOTE_TITLE = 10, 60  # columns named in a note on the preview, and characters of each title


class FileProblem(Exception):
    """The file as a whole cannot be read; ``code`` names the reason, ``params`` fill its message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class ParsedFile:
    rows: list[dict] = field(default_factory=list)  # {"line": n, field: value, ...}
    columns: list[str] = field(default_factory=list)
    # what was left out of a workbook on purpose, to say so on the preview: {"code": ..., "params": {...}}
    notes: list[dict] = field(default_factory=list)


@dataclass
class _Sheet:
    """One table of the file as read: its rows as (line, cells), and for a sheet of a workbook its name, the rows
    hidden and left out, and the formulas without a result by (row, column)."""

    table: list
    title: str = ""
    hidden: int = 0
    unsaved: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_columns: int = 0  # columns hidden in the sheet that held something, left out


@dataclass
class _WorkbookFacts:
    hidden_rows: dict[str, set[int]] = field(default_factory=dict)  # worksheet part -> hidden row numbers
    # worksheet part -> [(first column, last column)] hidden (numbers from 1)
    hidden_columns: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # worksheet part -> {(row, column): "B2"}: formulas whose result was never saved (both numbers from 1)
    unsaved: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    # worksheet part -> [(first row, last row, column)]: cells merged down several rows (all numbers from 1)
    merged: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    # worksheet part -> the last column (from 1) of a cell that holds something: how wide its rows are read
    widths: dict[str, int] = field(default_factory=dict)


def fold(text) -> str:
    """Lower case, no accents, single spaces: how headers and names are compared."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("_", " ").split())


# NUL and the other control characters (tab and line breaks aside) are never text a person typed: they come from
# a damaged file or one saved in another encoding, and no database column takes NUL. Each becomes U+FFFD, which
# the checks report as an unreadable character. A byte order mark inside the file (files joined together, each
# with its own) is left out.
_CONTROL = {**dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127], "\ufffd"), 0xFEFF: None}
UNREADABLE = "\ufffd"


def _readable(cell: str) -> str:
    return cell.translate(_CONTROL)


def _header_key(title) -> str:
    """How a column's title is looked up: folded, and punctuation aside ("E-mail:", "Cargo *", "(Nombre completo)"
    as a form's export or a template marking the required columns writes them), a plural in brackets too
    ("Nombre(s)", "Apellido(s)", as Mexico's official forms title them)."""
    return " ".join(_PUNCTUATION.sub(" ", _PLURAL.sub("", fold(title))).split())


_PLURAL = re.compile(r"(?<=[a-z])\((?:s|es)\)")
_PUNCTUATION = re.compile(r"[^a-z0-9]+")
_HEADER_LOOKUP = {_header_key(spelling): name for name, spellings in HEADERS.items() for spelling in spellings}
# words that say which of a person's addresses a column holds: the one at work is the one to read ("Correo
# institucional", "E-mail funcional", "Work e-mail"); a personal address stays a column not read
_WORK_ADDRESS = re.compile(r"^(?:work|institutional|official|corporate|business) (.+)$|"
                           r"^(.+?) (?:institucional|corporativo|corporativa|laboral|oficial|funcional|profissional|"
                           r"de trabajo|do trabalho|de trabalho)$")


def _canonical(title) -> str | None:
    """The field a column's title names, or None."""
    key = _header_key(title)
    if key in _HEADER_LOOKUP:
        return _HEADER_LOOKUP[key]
    qualified = _WORK_ADDRESS.match(key)
    plain = qualified and _HEADER_LOOKUP.get(qualified.group(1) or qualified.group(2))
    return plain if plain == "email" else None


def _lines(data: bytes):
    """The file's lines, decoded, each with its line break: one at a time, so that reading can stop early."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 ("Unicode text" in Excel), with its BOM
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise FileProblem("encoding") from error
        yield from (match.group() for match in _TEXT_LINE.finditer(text))
        return
    sample = data[:400]
    if sample.count(0) > len(sample) // 4:  # UTF-16 or UTF-32 without a BOM, or not text at all
        raise FileProblem("encoding")
    if data.startswith(b"\xef\xbb\xbf"):  # Excel's "CSV UTF-8"
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        yield from (match.group() for match in _TEXT_LINE.finditer(text))
        return
    # Windows-1252, line by line: a list pasted together from a UTF-8 file (with a BOM or not) and an older Excel's
    # keeps its UTF-8 lines right instead of turning their accents into "Ã©". Lines ended by CR alone come from
    # Excel for Mac ("CSV (Macintosh)"), which writes Mac Roman: read as Windows-1252, "é" would become "Ž".
    legacy = "mac_roman" if b"\r" in data and b"\n" not in data else "cp1252"
    for match in _LINE_BREAK.finditer(data):
        line = match.group().rstrip(b"\r\n")
        try:
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                text = line.decode(legacy)
        except UnicodeDecodeError as error:
            raise FileProblem("encoding") from error
        yield text + match.group()[len(line):].decode("ascii")


_TEXT_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_LINE_BREAK = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
SNIFFED_LINES = 1000  # the separator is found on the first lines


def _delimiter(lines: list[str]) -> str:
    """The separator with which one of the first lines reads as the header; else the one used most on one of
    them (a stray line of ";;" in a comma-separated list does not decide)."""
    lines = [line.rstrip("\r\n") for line in lines if line.strip()][:HEADER_SEARCH]
    counts = {sep: max((line.count(sep) for line in lines), default=0) for sep in (";", ",", "\t")}
    for sep in sorted((sep for sep in counts if counts[sep]), key=counts.get, reverse=True):
        try:
            rows = list(csv.reader((_narrow(line, sep) for line in lines), delimiter=sep))
        except csv.Error:
            continue
        table = [(n, [cell.strip() for cell in row[:MAX_COLUMNS]]) for n, row in enumerate(rows, 1)]
        if _find_header(table)[0] is not None:
            return sep
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _narrow(line: str, delimiter: str) -> str:
    """The line without its cells past the first MAX_COLUMNS, when it quotes nothing (a quoted cell may hold the
    separator, or run over several lines): a line of millions of separators is not split into millions of cells."""
    if line.count(delimiter) < MAX_COLUMNS or '"' in line:
        return line
    end = -1
    for _cell in range(MAX_COLUMNS):  # the separator after the last cell read
        end = line.find(delimiter, end + 1)
    newline = "\r\n" if line.endswith("\r\n") else line[-1] if line.endswith(("\r", "\n")) else ""
    return line[:end] + newline


SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)


def _table_from_csv(data: bytes) -> list[tuple[int, list[str]]]:
    """The rows that hold something, as (line, cells): read as a workbook's sheet is, each cut to MAX_COLUMNS cells,
    ended by a run of MAX_BLANK_RUN blank rows, and the file refused once it holds more rows than the import takes,
    without reading further."""
    lines = _lines(data)
    first = next(lines, "")
    line = 1
    declared = SEP_LINE.fullmatch(first.rstrip("\r\n"))
    if declared:  # Excel's "sep=;" line names the separator; it is not the header
        first, line = next(lines, ""), 2
    head = [first, *itertools.islice(lines, SNIFFED_LINES - 1)]
    # a letter, a digit or the quotation mark cannot separate names and addresses: the separator is then found
    usable = declared and not declared.group(1).isalnum() and declared.group(1) != '"'
    delimiter = declared.group(1) if usable else _delimiter(head)
    # A row of its own after the file: if it does not come back as one, a quoted cell was never closed and ran to
    # the end of the file, taking every row after it with it.
    texts = itertools.chain(head, lines, ["\r\n", _END + "\r\n"])
    reader = csv.reader((_narrow(text, delimiter) for text in texts), delimiter=delimiter)
    table, last, last_line, blank_run = [], None, 1, 0
    try:
        offset = line - 1
        for count, row in enumerate(reader, 1):
            if count > MAX_ROWS_READ:
                raise FileProblem("too_many_more", limit=MAX_ROWS)
            last, last_line = row, line
            # as in a workbook, only the first MAX_COLUMNS cells count
            row = row[:MAX_COLUMNS]
            if any(_readable(cell).strip() for cell in row):
                blank_run = 0
                if len(table) > MAX_ROWS + HEADER_SEARCH + 1:  # too many rows, whatever the header
                    raise FileProblem("too_many_more", limit=MAX_ROWS)
                table.append((line, row))
            else:  # blank rows are not kept; only a long empty stretch ends the list
                blank_run += 1
                if blank_run > MAX_BLANK_RUN:
                    return table
            line = offset + reader.line_num + 1
    except csv.Error as error:
        if "field larger than field limit" in str(error):  # most often a quotation mark never closed
            raise FileProblem("long_cell", line=line, limit=csv.field_size_limit()) from error
        raise FileProblem("csv", line=line) from error
    if last == [_END]:
        return table[:-1]
    raise FileProblem("csv", line=last_line)


_END = "\ufdd0\ufdd1\ufdd0"  # noncharacters, which no file holds: no separator splits it


# A workbook is a zip of XML: a few kilobytes can unpack to gigabytes, and openpyxl reads a row whole, however
# wide. So the parts are measured (as the zip declares them; zipfile never unpacks more) and every cell counted
# before openpyxl reads anything. A list of 10,000 people takes a few megabytes and a few hundred thousand cells.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_CELLS = 1_000_000
MAX_ROW_CELLS = 16_384  # Excel's own limit of columns
MAX_SHEET_ROWS = 1_048_576  # and of rows
_ROW_NUMBER = re.compile(r"[0-9]{1,7}")
MAX_UNSAVED = 10_000  # formulas without a result remembered (a program's file has a few columns of them)
# Everything else in the XML (a cell's value and formula, shared strings, styles, and their attributes) comes to a
# few items per cell: a file of a handful of cells and millions of other elements (or one element with millions of
# attributes) kept openpyxl busy for minutes, and one long tag makes expat scan it again with every chunk.
MAX_OTHER_ITEMS, OTHER_ITEMS_PER_CELL = 300_000, 6
MAX_TAG_BYTES = 1024 * 1024
MAX_MERGED = 10_000  # cells merged down several rows remembered (an institution over its people, per group)


def _check_workbook(data: bytes) -> _WorkbookFacts:
    """Refuse a workbook too large once unpacked, or holding too many cells, and any XML with a DOCTYPE (no
    workbook has one; entity definitions are how XML files are made to expand). On the way, note the rows that
    are hidden (filtered out) and the formulas whose result was never saved (a file written by a program: the
    cell reads as empty)."""
    import zipfile
    import zlib
    from xml.parsers import expat

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError) as error:  # (a damaged index)
        raise FileProblem("xlsx") from error
    if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise FileProblem("too_big", limit=MAX_CELLS)
    cells = row_cells = row_number = last_filled = others = column = 0
    facts, cell = _WorkbookFacts(), {}
    part_name, in_sheet_data = "", False

    def start(name, attributes):
        nonlocal row_cells, row_number, others, column, in_sheet_data
        local = name.rpartition(":")[2]
        if local in ("row", "c") and not in_sheet_data:  # not a sheet's: calcChain.xml lists each formula as a <c>
            local = f"{local} elsewhere"
        # a row or a cell is counted above; only the attributes beyond any Excel writes count here
        others += max(len(attributes) - 16, 0) if local in ("row", "c") else 1 + len(attributes)
        if others > MAX_OTHER_ITEMS + OTHER_ITEMS_PER_CELL * MAX_CELLS:
            raise FileProblem("too_big", limit=MAX_CELLS)
        if local == "row":
            row_cells = column = 0
            # rows come in order, each within the sheet (Excel writes nothing else): openpyxl drops one out of
            # place without a word, the person on it with it
            written = attributes.get("r")
            if written is None:
                row_number += 1
            elif not _ROW_NUMBER.fullmatch(written) or not row_number < int(written) <= MAX_SHEET_ROWS:
                raise FileProblem("xlsx")
            else:
                row_number = int(written)
            if attributes.get("hidden") in ("1", "true"):
                facts.hidden_rows.setdefault(part_name, set()).add(row_number)
        elif local == "sheetData":  # a book linked to holds one for each of its sheets, each from row 1
            row_number, in_sheet_data = 0, True
        elif local == "c":
            row_cells += 1
            if row_cells > MAX_ROW_CELLS:
                raise FileProblem("too_big", limit=MAX_CELLS)
            cell.clear()
            # the column as openpyxl reads it: the reference's, else the one after the cell before
            column = _column(attributes.get("r", "")) or column + 1
            if column > MAX_ROW_CELLS:  # beyond Excel's last column, XFD: openpyxl drops the rest of the row
                raise FileProblem("xlsx")
            cell.update(ref=attributes.get("r", ""), type=attributes.get("t", ""), at=(row_number, row_cells),
                        column=column)
        elif local == "f":
            cell["f"] = cell["filled"] = True
        elif local == "v":
            cell["in_v"] = cell["filled"] = True
        elif local == "is":
            cell["filled"] = True
        elif local == "col" and attributes.get("hidden") in ("1", "true"):
            first, last = attributes.get("min", ""), attributes.get("max", "")
            if first.isdigit() and last.isdigit() and len(facts.hidden_columns.get(part_name, [])) < MAX_MERGED:
                facts.hidden_columns.setdefault(part_name, []).append((int(first), int(last)))
        elif local == "mergeCell":
            bounds = _bounds(attributes.get("ref", ""))
            if bounds and bounds[1] < bounds[3] and sum(map(len, facts.merged.values())) < MAX_MERGED:
                facts.merged.setdefault(part_name, []).append((bounds[1], bounds[3], bounds[0]))

    def text(data):
        if cell.get("in_v") and data:
            cell["v"] = True

    def end(name):
        nonlocal cells, last_filled, in_sheet_data
        local = name.rpartition(":")[2]
        if local == "sheetData":
            in_sheet_data = False
        elif local == "c" and not in_sheet_data:
            return
        if local == "c":
            # A cell with only a format (a column coloured down to Excel's last row) counts only where the sheet
            # is read: up to MAX_BLANK_RUN blank rows past the last cell that holds something, where reading stops.
            if cell.get("filled"):
                last_filled = row_number
                if cell.get("column", 0) > facts.widths.get(part_name, 0):
                    facts.widths[part_name] = cell["column"]
            if cell.get("filled") or row_number - last_filled <= MAX_BLANK_RUN:
                cells += 1
                if cells > MAX_CELLS:
                    raise FileProblem("too_big", limit=MAX_CELLS)
        if local == "v":
            cell["in_v"] = False
            cell["v"] = cell.get("v") or cell.get("type") == "str"  # an empty text result (="") is a result
        elif local == "c" and cell.get("f") and not cell.get("v"):  # <v/> without a type, or no <v>: not calculated
            if sum(map(len, facts.unsaved.values())) < MAX_UNSAVED:  # beyond, such cells just read as empty
                at = _coordinates(cell["ref"]) or cell["at"]
                facts.unsaved.setdefault(part_name, {})[at] = cell["ref"] or f"row {at[0]}, column {at[1]}"

    def doctype(*_args):
        raise FileProblem("xlsx")

    for part in parts:
        if not part.filename.lower().endswith((".xml", ".rels")):
            continue
        parser = expat.ParserCreate()
        parser.StartElementHandler, parser.EndElementHandler, parser.StartDoctypeDeclHandler = start, end, doctype
        parser.CharacterDataHandler = text
        row_cells = row_number = last_filled = column = 0
        part_name, in_sheet_data = part.filename, False
        try:
            with archive.open(part) as stream:
                read = 0
                while chunk := stream.read(64 * 1024):
                    parser.Parse(chunk, False)
                    read += len(chunk)
                    if read - parser.CurrentByteIndex > MAX_TAG_BYTES:  # stuck in one tag (or comment)
                        raise FileProblem("too_big", limit=MAX_CELLS)
                parser.Parse(b"", True)
        except (expat.ExpatError, zipfile.BadZipFile, zlib.error, NotImplementedError, ValueError, OSError,
                EOFError, RuntimeError) as error:  # damaged, encrypted or compressed in a way zipfile does not read
            raise FileProblem("xlsx") from error
    if others > MAX_OTHER_ITEMS + OTHER_ITEMS_PER_CELL * cells:
        raise FileProblem("too_big", limit=MAX_CELLS)
    return facts


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    """(first column, first row, last column, last row) of a range such as C2:C5, all from 1."""
    from openpyxl.utils.cell import range_boundaries

    try:
        bounds = range_boundaries(ref)
    except (ValueError, TypeError):
        return None
    return bounds if None not in bounds else None


_COLUMN_LETTERS = re.compile(r"[A-Za-z]{1,3}")


def _column(ref: str) -> int | None:
    """The column (from 1) of a cell reference such as B2."""
    letters = _COLUMN_LETTERS.match(ref)
    if letters is None:
        return None
    number = 0
    for letter in letters.group().upper():
        number = number * 26 + ord(letter) - 64
    return number


def _coordinates(ref: str) -> tuple[int, int] | None:
    """(row, column) of a cell reference such as B2, both from 1."""
    from openpyxl.utils.cell import coordinate_to_tuple

    try:
        return coordinate_to_tuple(ref) if ref else None
    except ValueError:
        return None


def _xlsx_sheets(data: bytes, notes: list[dict]):
    """Each visible sheet of a workbook in turn (a _Sheet), blank and hidden rows left out; hidden sheets are
    noted in ``notes`` and not read."""
    from openpyxl import load_workbook

    facts = _check_workbook(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors for damaged files
        raise FileProblem("xlsx") from error
    try:
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":  # an old list kept out of sight is not the one to import
                notes.append({"code": "hidden_sheet", "params": {"sheet": sheet.title}})
                continue
            part = getattr(sheet, "_worksheet_path", "")
            hidden, left_out = facts.hidden_rows.get(part, set()), 0
            table, blank_run = [], 0
            # the rows are read as wide as the cells that hold something, up to MAX_COLUMNS, and as far down as
            # they go: not as the sheet's <dimension> says, which a program may have written wrong (a list cut
            # short after its first rows) or left out (every row then as wide as its last cell, far right maybe)
            sheet.reset_dimensions()
            width = min(facts.widths.get(part, MAX_COLUMNS), MAX_COLUMNS)
            # a cell merged down several rows (an institution written once beside its people) holds its value in
            # its first row only: the rows below it read it too, as the sheet shows it
            merges = sorted(facts.merged.get(part, []))
            waiting, active = 0, []  # merges not started yet (from merges[waiting]), and those under way
            # a column hidden by hand (old addresses kept beside the new ones) is no more meant to be read than a
            # hidden row: its cells read as blank, and the preview says how many such columns held something
            out_of_sight = facts.hidden_columns.get(part, [])
            hidden_filled: set[int] = set()
            unsaved = facts.unsaved.get(part, {})
            formula_rows = {row for row, _column in unsaved}  # blank to read, but not blank: refused below
            for number, values in enumerate(_rows(sheet, width), start=1):
                if number > MAX_ROWS_READ:
                    raise FileProblem("too_many_more", limit=MAX_ROWS)
                if merges:
                    values = list(values)
                    while waiting < len(merges) and merges[waiting][0] <= number:
                        first, last, column = merges[waiting]
                        waiting += 1
                        if first == number and column <= len(values):
                            active.append((last, column, values[column - 1]))
                    active = [merge for merge in active if merge[0] >= number]
                    if any(v is not None for v in values):  # a blank row stays blank
                        for _last, column, value in active:
                            if column <= len(values) and values[column - 1] is None:
                                values[column - 1] = value
                if out_of_sight:
                    values = list(values)
                    for first, last in out_of_sight:
                        for column in range(first, min(last, len(values)) + 1):
                            if values[column - 1] is not None:
                                hidden_filled.add(column)
                                values[column - 1] = None
                if all(v is None for v in values) and number not in formula_rows:
                    # blank rows do not count towards the limit, so nobody after them is lost; only a long empty
                    # stretch (a stray cell a million rows down) ends the list
                    blank_run += 1
                    if blank_run > MAX_BLANK_RUN:
                        break
                    continue
                blank_run = 0
                if number in hidden:  # filtered out (or hidden by hand): not meant to be in the list
                    left_out += 1
                    continue
                if len(table) > MAX_ROWS + HEADER_SEARCH + 1:  # too many rows, whatever the header
                    raise FileProblem("too_many_more", limit=MAX_ROWS)
                table.append((number, [_cell_text(v) for v in values]))
            yield _Sheet(table, sheet.title, left_out, unsaved, len(hidden_filled))
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """A cell as the sheet shows it, near enough: a date without the midnight openpyxl gives it, a time to the
    minute, a whole number without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ", "minutes")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(sheet, width: int):
    """The sheet's rows as openpyxl reads them; a value that does not fit its cell's type (a shared string the
    workbook lacks, text in a number cell, a date that is none) is a damaged workbook, not a 500."""
    rows = sheet.iter_rows(values_only=True, max_col=width)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as error:  # openpyxl raises many kinds of errors for damaged files
            raise FileProblem("xlsx") from error
        yield values


def _columns(header: list[str]) -> dict[int, str]:
    """The canonical field of each recognised column (surnames may take several columns)."""
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        canonical = _canonical(title)
        if canonical and (canonical == "family_name" or canonical not in columns.values()):
            columns[index] = canonical
    return columns


def _missing(columns: dict[int, str]) -> list[str]:
    found = set(columns.values())
    if "given_name" in found:
        found.add("full_name")
    return [name for name in REQUIRED if name not in found]


def _is_subheader(cells: list[str]) -> bool:
    """Every cell is empty or a column name: the second row of a header written over two rows."""
    return any(cells) and all(not cell or _canonical(cell) for cell in cells)


def _find_header(table):
    """(index of the first row under the header, its columns, its titles) or, when no row names every required
    column, (None, the missing columns and line of the row that comes closest, None)."""
    closest = None
    for index, (line, cells) in enumerate(table[:HEADER_SEARCH]):
        candidates = [(index + 1, line, cells)]
        if index + 1 < len(table) and _is_subheader(table[index + 1][1]):  # cells merged over two rows
            lower_line, lower = table[index + 1]
            merged = [lower[i] if i < len(lower) and lower[i] else cell
                      for i, cell in enumerate(cells + [""] * (len(lower) - len(cells)))]
            candidates.insert(0, (index + 2, lower_line, merged))
        for body_start, header_line, header in candidates:
            columns = _columns(header)
            missing = _missing(columns)
            if not missing:
                return body_start, columns, header
            if closest is None or len(missing) < len(closest[0]):
                closest = (missing, header_line, header)
    return None, closest, None


def _shortened(titles: list[str]) -> list[str]:
    """Column titles as a message quotes them: each to NOTE_TITLE characters."""
    return [title if len(title) <= NOTE_TITLE else title[:NOTE_TITLE - 1] + "…" for title in titles]


def read_table(filename: str, data: bytes) -> ParsedFile:
    """Rows of the file as dicts of canonical fields, each with its line number; blank rows are left out."""
    name = (filename or "").lower()
    if not data:
        raise FileProblem("empty")
    if name.endswith((".ods", ".numbers")):  # zipped like .xlsx, but not a workbook openpyxl reads
        raise FileProblem("format")
    notes: list[dict] = []
    if data[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        tables = _xlsx_sheets(data, notes)
    elif name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem("format")
    else:
        tables = iter([_Sheet(_table_from_csv(data))])

    reported = None  # why the first sheet with anything on it has no header: the problem told if no sheet has one
    try:
        for sheet in tables:
            table = [(line, [_readable(cell).strip() for cell in row]) for line, row in sheet.table]
            # a row of formulas never calculated reads as blank: kept until the check of formulas below
            formula_rows = {row for row, _column in sheet.unsaved}
            table = [(line, row) for line, row in table if any(row) or line in formula_rows]
            if not table:
                continue
            body_start, columns, header = _find_header(table)
            if body_start is not None:
                break
            reported = reported or columns
        else:
            if reported is None:
                raise FileProblem("empty")
            missing, line, titles = reported
            # the titles that line has, for the one to rename to be seen: named shortly, a few of them
            titles = [title for title in titles if title]
            raise FileProblem("columns", missing=missing, line=line, titles=_shortened(titles[:NOTE_COLUMNS]),
                              more=len(titles[NOTE_COLUMNS:]))
    finally:
        getattr(tables, "close", lambda: None)()  # the workbook, when the list was found before its last sheet

    # a plain address column beside one that says it is the work one ("Email", "Work email"): either may be the one
    # the accounts should have, and reading one while the other holds another address would go unnoticed
    addresses = [title for title in header if title and _canonical(title) == "email"]
    work = [title for title in addresses if _WORK_ADDRESS.match(_header_key(title))]
    plain = [title for title in addresses if title not in work]
    if work and plain:
        raise FileProblem("email_columns", plain=_shortened(plain)[0], work=_shortened(work)[0])

    body = table[body_start:]
    for line, _values in body:  # a formula never calculated reads as empty: refused where the import reads it
        for index in columns:
            ref = sheet.unsaved.get((line, index + 1))
            if ref:
                raise FileProblem("formulas", sheet=sheet.title, cell=ref)
    body = [(line, values) for line, values in body if any(values)]
    if not body:
        raise FileProblem("no_rows")
    if len(body) > MAX_ROWS:
        raise FileProblem("too_many", limit=MAX_ROWS, count=len(body))
    rows = []
    for line, values in body:
        row = {"line": line}
        names: dict[str, list[str]] = {part: [] for part in NAME_PARTS}
        for index, canonical in columns.items():
            value = values[index] if index < len(values) else ""
            if canonical in names:
                names[canonical].append(value)
            else:
                row[canonical] = value
        if "full_name" not in row:
            row["full_name"] = " ".join(v for v in names["given_name"] + names["family_name"] if v)
        rows.append(row)
    fields = ("full_name" if field in NAME_PARTS else field for field in columns.values())
    if sheet.hidden:
        notes.append({"code": "hidden_rows", "params": {"count": sheet.hidden, "sheet": sheet.title}})
    if sheet.hidden_columns:
        notes.append({"code": "hidden_columns", "params": {"count": sheet.hidden_columns, "sheet": sheet.title}})
    # a column the import does not know (a phone number, or a name for regions it lacks), or a second copy of
    # one it read, is said so: named shortly, a few of them
    unknown = [title for index, title in enumerate(header)
               if title and index not in columns and _canonical(title) is None]
    repeated = [title for index, title in enumerate(header)
                if title and index not in columns and _canonical(title) is not None]
    for code, titles in (("unread_columns", unknown), ("repeated_columns", repeated)):
        if titles:
            shown = _shortened(titles[:NOTE_COLUMNS])
            notes.append({"code": code, "params": {"columns": shown, "more": len(titles) - len(shown)}})
    # a cell under no column title (after the header's last, or under one left blank: a phone number typed a column
    # too far) is not read either: said so, with the first lines holding one
    untitled = [line for line, values in body
                if any(value and index not in columns and (index >= len(header) or not header[index])
                       for index, value in enumerate(values))]
    if untitled:
        notes.append({"code": "untitled_cells",
                      "params": {"lines": untitled[:NOTE_COLUMNS], "more": max(0, len(untitled) - NOTE_COLUMNS)}})
    return ParsedFile(rows=rows, columns=list(dict.fromkeys(fields)), notes=notes)
