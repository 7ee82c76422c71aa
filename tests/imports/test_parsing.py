import io

import pytest
from openpyxl import Workbook

from app.imports.parsing import FileProblem, read_table
from tests.fixtures.workbooks import PERSON, raw_workbook, sheet_xml, workbook_bytes

HEADER = "email,full_name,position\n"


def test_utf8_with_and_without_bom_give_the_same_rows():
    text = HEADER + "joão@example.org,João Araújo,técnico\n"
    plain = read_table("a.csv", text.encode("utf-8")).rows
    bom = read_table("a.csv", b"\xef\xbb\xbf" + text.encode("utf-8")).rows
    assert plain == bom == [{"line": 2, "email": "joão@example.org", "full_name": "João Araújo",
                             "position": "técnico"}]


def test_windows_1252_is_understood():
    data = "correo;nombre completo;cargo\r\nnunez@example.org;Ñúñez Peña;técnico\r\n".encode("cp1252")
    [row] = read_table("lista.csv", data).rows
    assert row["full_name"] == "Ñúñez Peña" and row["email"] == "nunez@example.org"


def test_a_csv_saved_by_excel_for_mac_is_read_as_mac_roman():
    """Excel for Mac's "CSV (Macintosh)" ends lines with CR alone and writes Mac Roman, where "é" is the byte
    Windows-1252 reads as "Ž"; its "CSV UTF-8" (also CR alone) stays UTF-8."""
    text = "correo;nombre completo;cargo\ranne@example.org;Anne-Hélène Muñoz;técnico\r"
    [row] = read_table("lista.csv", text.encode("mac_roman")).rows
    assert (row["line"], row["full_name"], row["position"]) == (2, "Anne-Hélène Muñoz", "técnico")
    [row] = read_table("lista.csv", b"\xef\xbb\xbf" + text.encode()).rows
    assert row["full_name"] == "Anne-Hélène Muñoz"
    # Windows files end lines with CR LF: still Windows-1252
    [row] = read_table("lista.csv", text.replace("\r", "\r\n").encode("cp1252")).rows
    assert row["full_name"] == "Anne-Hélène Muñoz"


def test_semicolons_and_quoted_separators():
    data = 'e-mail;nome completo;função;instituição\n"a@example.org";"Silva; Ana";gestor;"Prefeitura, SC"\n'
    [row] = read_table("x.csv", data.encode()).rows
    assert (row["full_name"], row["institution"], row["position"]) == ("Silva; Ana", "Prefeitura, SC", "gestor")


def test_blank_lines_are_skipped_and_line_numbers_kept():
    data = HEADER + "\n" + "a@example.org,A,manager\n" + ",,\n" + '"b@example.org","B\nsecond line",manager\n' \
        + "c@example.org,C,manager\n"
    rows = read_table("x.csv", data.encode()).rows
    assert [(r["line"], r["email"]) for r in rows] == [(3, "a@example.org"), (5, "b@example.org"),
                                                        (7, "c@example.org")]


def test_xlsx_first_sheet():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Correo electrónico", "Nombre", "Cargo", "Región"])
    sheet.append(["x@example.org", "Xime", "directivo", "CL-BI"])
    sheet.append([None, None, None, None])
    sheet.append(["y@example.org", "Ye", "técnico", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_table("lista.xlsx", buffer.getvalue()).rows
    assert rows == [{"line": 2, "email": "x@example.org", "full_name": "Xime", "position": "directivo",
                     "region": "CL-BI"},
                    {"line": 4, "email": "y@example.org", "full_name": "Ye", "position": "técnico", "region": ""}]


@pytest.mark.parametrize("name, data, code", [
    ("a.csv", b"", "empty"),
    ("a.csv", b"\n\n", "empty"),
    ("a.csv", b"name,position\nA,manager\n", "columns"),
    ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "format"),
    ("lista.ods", b"PK\x03\x04\x14\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "format"),
    ("a.xlsx", b"PK\x03\x04 not really a zip", "xlsx"),
    ("a.csv", b"\xef\xbb\xbfemail\x81\x8d", "encoding"),  # neither UTF-8 nor Windows-1252
    ("a.csv", b"email\x81\x8d", "encoding"),
])
def test_files_that_cannot_be_read(name, data, code):
    with pytest.raises(FileProblem) as error:
        read_table(name, data)
    assert error.value.code == code


def test_missing_columns_are_named():
    with pytest.raises(FileProblem) as error:
        read_table("a.csv", b"email,nombre\nx@example.org,X\n")
    assert error.value.params == {"missing": ["position"], "line": 1, "titles": ["email", "nombre"], "more": 0}


def test_too_many_rows():
    data = HEADER + "x@example.org,X,manager\n" * 10_001
    with pytest.raises(FileProblem) as error:
        read_table("big.csv", data.encode())
    assert error.value.code == "too_many"


def test_excel_sep_line_names_the_separator_and_is_not_the_header():
    data = "sep=;\r\nemail;full_name;position\r\na@example.org;Silva, Ana;manager\r\n".encode("utf-8-sig")
    [row] = read_table("excel.csv", data).rows
    assert (row["line"], row["full_name"], row["position"]) == (3, "Silva, Ana", "manager")
    [row] = read_table("excel.csv", b"SEP=,\nemail,full_name,position\na@example.org,Ana,manager\n").rows
    assert row["line"] == 3 and row["email"] == "a@example.org"


@pytest.mark.parametrize("declared", ["e", "1", '"'])
def test_a_sep_line_naming_what_cannot_separate_is_skipped_and_the_separator_found(declared):
    """A letter, a digit or the quotation mark cannot separate columns of names and e-mail addresses: such a
    'sep=' line was taken at its word (and the file refused, naming a line past its end); it is now skipped and the
    separator found as in a file without one."""
    data = f"sep={declared}\nemail;full_name;position\na@example.org;Ana Silva;manager\n".encode()
    [row] = read_table("excel.csv", data).rows
    assert (row["line"], row["full_name"], row["position"]) == (3, "Ana Silva", "manager")


def test_a_space_separated_file_declared_so_reads():
    [row] = read_table("a.csv", b"sep= \nemail full_name position\na@example.org Ana manager\n").rows
    assert (row["line"], row["full_name"]) == (3, "Ana")
    with pytest.raises(FileProblem) as problem:  # declared so but not: its header is refused, on its own line
        read_table("a.csv", b"sep= \nemail;full_name;position\na@example.org;Ana;manager\n")
    assert problem.value.code == "columns" and problem.value.params["line"] == 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_a_bom_is_understood(encoding):
    text = "correo\tnombre\tcargo\r\nnunez@example.org\tÑúñez Peña\ttécnico\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    [row] = read_table("unicode.txt", data).rows
    assert (row["line"], row["full_name"]) == (2, "Ñúñez Peña")


def test_utf16_without_a_bom_gives_the_encoding_message():
    with pytest.raises(FileProblem) as problem:
        read_table("a.csv", (HEADER + "a@example.org,Ana,manager\n").encode("utf-16-le"))
    assert problem.value.code == "encoding"


def test_control_characters_in_cells_become_visible_replacement_characters():
    [row] = read_table("a.csv", b"email,full_name,position\na@example.org,An\x00a,man\x07ager\n").rows
    assert row["full_name"] == "An\ufffda" and row["position"] == "man\ufffdager"


@pytest.mark.parametrize("header, cells, full_name", [
    ("correo;nombres;apellido paterno;apellido materno;cargo", "a@example.org;Ana María;Pérez;Soto;técnica",
     "Ana María Pérez Soto"),
    ("Email,First name,Last name,Position", "a@example.org,Ana,Smith,manager", "Ana Smith"),
    ("e-mail;nome;sobrenome;função", "a@example.org;João;Araújo;gestor", "João Araújo"),
    ("apellidos;nombre;correo;cargo", "Pérez Soto;Ana;a@example.org;técnica", "Ana Pérez Soto"),
    ("nombre completo;apellido;correo;cargo", "Ana Pérez;Pérez;a@example.org;técnica", "Ana Pérez"),
])
def test_first_names_and_surnames_in_separate_columns_make_the_full_name(header, cells, full_name):
    """Lists from Latin American offices often split the name: the surnames must not be dropped."""
    [row] = read_table("lista.csv", f"{header}\n{cells}\n".encode()).rows
    assert row["full_name"] == full_name


def test_surnames_without_a_first_name_column_are_not_a_full_name():
    with pytest.raises(FileProblem) as error:
        read_table("a.csv", b"email,apellido,cargo\na@example.org,Perez,manager\n")
    assert error.value.params["missing"] == ["full_name"]


def test_a_title_above_the_header_row_is_skipped():
    data = workbook_bytes(("Hoja1", [["Lista de participantes – Región del Biobío"], [],
                                     ["Correo", "Nombre", "Cargo"], ["a@example.org", "Ana", "técnica"]], "A1:C1"))
    assert read_table("lista.xlsx", data).rows == [
        {"line": 4, "email": "a@example.org", "full_name": "Ana", "position": "técnica"}]
    csv_data = "Participantes 2026;;\n;;\ncorreo;nombre;cargo\na@example.org;Ana;técnica\n".encode()
    assert read_table("lista.csv", csv_data).rows[0]["line"] == 4


def test_a_two_row_header_with_merged_cells_is_read_as_one():
    """Correo and Cargo merged over two rows, Nombre merged over Nombres and Apellidos."""
    data = workbook_bytes(("Hoja1", [["Correo", "Nombre", None, "Cargo"], [None, "Nombres", "Apellidos", None],
                                     ["a@example.org", "Ana", "Pérez Soto", "técnica"]], "A1:A2", "B1:C1", "D1:D2"))
    assert read_table("lista.xlsx", data).rows == [
        {"line": 3, "email": "a@example.org", "full_name": "Ana Pérez Soto", "position": "técnica"}]


def test_a_cell_merged_down_several_rows_is_read_on_each_of_them():
    """An institution (or position) written once beside its people, in a cell merged down their rows: the sheet
    shows it on each row, and the import read it on the first only (the others had no institution, silently)."""
    data = workbook_bytes(("Hoja1", [["email", "full name", "position", "institution"],
                                     ["a@example.org", "Ana", "técnica", "Ministerio de Salud"],
                                     ["b@example.org", "Bea", None, None],
                                     [None, None, None, None],
                                     ["c@example.org", "Cata", "directiva", None],
                                     ["d@example.org", "Dora", "técnica", "Municipalidad"]], "C2:C3", "D2:D5"))
    rows = read_table("lista.xlsx", data).rows
    assert [(r["line"], r["position"], r["institution"]) for r in rows] == [
        (2, "técnica", "Ministerio de Salud"), (3, "técnica", "Ministerio de Salud"),
        (5, "directiva", "Ministerio de Salud"), (6, "técnica", "Municipalidad")]


def test_missing_columns_are_named_for_the_row_that_looks_most_like_a_header():
    with pytest.raises(FileProblem) as error:
        read_table("a.csv", "Lista de participantes\ncorreo;nombre\na@example.org;Ana\n".encode())
    assert error.value.params == {"missing": ["position"], "line": 2, "titles": ["correo", "nombre"], "more": 0}


def test_the_sheet_with_the_list_is_found_after_an_instructions_sheet():
    data = workbook_bytes(("Instrucciones", [["Complete la hoja Participantes"], ["Una fila por persona"]]),
                          ("Participantes", [["email", "full name", "position"], ["a@example.org", "Ana", "manager"]]))
    assert read_table("lista.xlsx", data).rows == [
        {"line": 2, "email": "a@example.org", "full_name": "Ana", "position": "manager"}]


def test_xlsx_rows_far_down_the_sheet_are_not_dropped():
    """Blank rows between people do not count towards the limit, and nobody after them is lost."""
    rows = [["email", "full name", "position"]]
    for n in range(9_950):
        rows.append([f"p{n}@example.org", f"P {n}", "manager"])
        if n % 50 == 49:
            rows.append([None, None, None])
    parsed = read_table("lista.xlsx", workbook_bytes(("Hoja1", rows)))
    assert len(parsed.rows) == 9_950 and parsed.rows[-1]["email"] == "p9949@example.org"


def test_too_many_xlsx_rows():
    rows = [["email", "full name", "position"]] + [[f"p{n}@example.org", "P", "manager"] for n in range(10_001)]
    with pytest.raises(FileProblem) as error:
        read_table("big.xlsx", workbook_bytes(("Hoja1", rows)))
    assert error.value.code in ("too_many", "too_many_more")


def test_a_header_without_rows_is_named_as_such():
    for name, data in (("a.csv", HEADER.encode()), ("a.xlsx", workbook_bytes(("S", [["email", "name", "cargo"]])))):
        with pytest.raises(FileProblem) as error:
            read_table(name, data)
        assert error.value.code == "no_rows"


def test_a_file_with_utf8_and_windows_1252_lines_reads_both():
    """Two lists pasted together: one saved as UTF-8, the other by an older Excel as Windows-1252."""
    data = (HEADER + "joao@example.org,João Araújo,técnico\n").encode("utf-8") \
        + "nunez@example.org,Ñúñez Peña,técnico\r\n".encode("cp1252")
    rows = read_table("a.csv", data).rows
    assert [r["full_name"] for r in rows] == ["João Araújo", "Ñúñez Peña"]


def test_a_windows_1252_line_in_a_csv_utf_8_with_its_bom_is_read_as_without_it():
    """Excel's "CSV UTF-8" starts with a BOM; a line pasted in from an older file is Windows-1252. The file reads as
    the same list without the BOM does."""
    text = (HEADER + "joao@example.org,João Araújo,técnico\n").encode("utf-8") \
        + "jose@example.org,José Peña,técnico\r\n".encode("cp1252")
    with_bom = read_table("a.csv", b"\xef\xbb\xbf" + text)
    assert with_bom.rows == read_table("a.csv", text).rows
    assert [r["full_name"] for r in with_bom.rows] == ["João Araújo", "José Peña"]
    assert with_bom.notes == []


def test_the_bom_of_a_file_joined_to_another_is_not_in_its_first_cell():
    first = (HEADER + "joao@example.org,João Araújo,técnico\n").encode("utf-8")
    second = b"\xef\xbb\xbf" + "ana@example.org,Ana,técnico\n".encode("utf-8")
    rows = read_table("a.csv", b"\xef\xbb\xbf" + first + second).rows
    assert [r["email"] for r in rows] == ["joao@example.org", "ana@example.org"]


def test_a_quote_never_closed_is_reported_not_allowed_to_swallow_the_rest_of_the_file():
    """An opening quote without its closing one makes the rest of the file one cell: in a column Itinera does not
    read, the people below it would vanish from the import without a word."""
    data = b'email,full_name,position,notes\na@example.org,Ana,manager,"call after 5\nb@example.org,Bea,manager,\n' \
        b'c@example.org,Carla,manager,\n'
    with pytest.raises(FileProblem) as error:
        read_table("a.csv", data)
    assert (error.value.code, error.value.params) == ("csv", {"line": 2})
    # a quote inside a cell, as people type it, is still just a character
    [row] = read_table("a.csv", b'email,full_name,position\na@example.org,Ana "la profe" Soto,manager').rows
    assert row["full_name"] == 'Ana "la profe" Soto'


def test_a_quote_left_open_in_a_large_file_names_the_line_where_the_runaway_cell_starts(app):
    """Left open above thousands of rows, a quote makes one cell longer than the csv module takes: the message
    says so and where, not that the file is not CSV."""
    from flask_babel import force_locale

    from app.imports.services import message

    rows = "".join(f"p{n}@example.org,Persona {n},manager,\n" for n in range(6000))
    data = f'email,full_name,position,notes\na@example.org,Ana,manager,"call after 5\n{rows}'.encode()
    with pytest.raises(FileProblem) as error:
        read_table("a.csv", data)
    assert (error.value.code, error.value.params) == ("long_cell", {"line": 2, "limit": 131072})
    with force_locale("en"):
        said = message({"code": "long_cell", "params": error.value.params})
    assert said == ("A cell starting on line 2 runs longer than 131,072 characters: most often a quotation mark "
                    "opened in it is never closed")


def test_a_hand_made_workbook_is_read():
    [row] = read_table("list.xlsx", raw_workbook(sheet_xml(PERSON))).rows
    assert (row["email"], row["full_name"], row["position"]) == ("a@example.org", "Ana", "manager")


@pytest.mark.parametrize("cell", [
    b'<c t="s"><v>999</v></c>',  # a shared string the workbook does not have
    b'<c t="s"><v>abc</v></c>', b'<c><v>abc</v></c>', b'<c><v>NaN</v></c>', b"<c><v>" + b"9" * 5000 + b"</v></c>",
    b'<c t="d"><v>garbage</v></c>', b'<c t="d"><v>0000-01-01</v></c>', b'<c t="b"><v>x</v></c>',
    b'<c r="ZZZZ3"><v>1</v></c>',
])
def test_a_cell_openpyxl_cannot_read_is_a_damaged_workbook(cell):
    """A value that does not fit its cell's type (a damaged or hand-made file) made openpyxl raise while the
    rows were read, after the workbook had opened: the upload answered 500."""
    row = b"<row>" + cell + b'<c t="inlineStr"><is><t>B</t></is></c></row>'
    with pytest.raises(FileProblem) as problem:
        read_table("damaged.xlsx", raw_workbook(sheet_xml(PERSON, row)))
    assert problem.value.code == "xlsx"


@pytest.mark.parametrize("row", [b'<row r="x">', b'<row r="0">', b'<row r="-5">', b'<row r="1">', b'<row r="1048577">',
                                 b'<row><c r="XFE3"><v>1</v></c>'])
def test_a_row_out_of_place_is_a_damaged_workbook_not_a_person_left_out(row):
    """A row numbered out of order or beyond the sheet (Excel writes neither) was dropped by openpyxl without a
    word, with the person on it, or made it raise."""
    person = row + (b'<c t="inlineStr"><is><t>b@example.org</t></is></c><c t="inlineStr"><is><t>Bea</t></is></c>'
                    b'<c t="inlineStr"><is><t>manager</t></is></c></row>')
    with pytest.raises(FileProblem) as problem:
        read_table("damaged.xlsx", raw_workbook(sheet_xml(PERSON, person)))
    assert problem.value.code == "xlsx"


def test_the_rows_of_each_sheet_of_another_book_linked_to_start_again():
    """A workbook that links to cells of another one keeps a copy of them, one <sheetData> a sheet, each with
    rows from 1: not rows out of order."""
    import zipfile

    data = io.BytesIO(raw_workbook(sheet_xml(PERSON)))
    with zipfile.ZipFile(data, "a") as archive:
        row = b'<row r="1"><cell r="A1"><v>1</v></cell></row>'
        archive.writestr("xl/externalLinks/externalLink1.xml", b'<?xml version="1.0"?><externalLink xmlns="http://'
                         b'schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook><sheetDataSet>'
                         b'<sheetData sheetId="0">' + row + b'</sheetData><sheetData sheetId="1">' + row +
                         b"</sheetData></sheetDataSet></externalBook></externalLink>")
    assert [row["email"] for row in read_table("linked.xlsx", data.getvalue()).rows] == ["a@example.org"]


def test_a_row_wider_than_excel_allows_is_refused_before_openpyxl_reads_it():
    """A few kilobytes of zip unpack to a row of millions of cells, which openpyxl would hold whole in memory."""
    wide = b"<row>" + b"<c><v>1</v></c>" * 20_000 + b"</row>"
    data = raw_workbook(sheet_xml(PERSON, wide))
    assert len(data) < 10_000
    with pytest.raises(FileProblem) as error:
        read_table("bomb.xlsx", data)
    assert error.value.code == "too_big"


def test_a_workbook_with_too_many_cells_is_refused(monkeypatch):
    from app.imports import parsing

    monkeypatch.setattr(parsing, "MAX_CELLS", 50)
    with pytest.raises(FileProblem) as error:
        read_table("many.xlsx", raw_workbook(sheet_xml(*[PERSON] * 20)))
    assert error.value.code == "too_big"


def test_cells_with_only_a_format_below_the_list_do_not_count_towards_the_limit(monkeypatch):
    """A column coloured down to Excel's last row (its "used range") holds a million cells with a format and no
    value: the list above them was refused as too big. They are not read (a long blank stretch ends the list), so
    they do not count; formatted cells among the people, where the sheet is read, still do."""
    from app.imports import parsing

    monkeypatch.setattr(parsing, "MAX_CELLS", 200)
    monkeypatch.setattr(parsing, "MAX_BLANK_RUN", 10)
    formatted = b"".join(b'<row r="%d"><c r="A%d" s="1"/><c r="B%d" s="1"/></row>' % (n, n, n)
                         for n in range(3, 2_000))
    [row] = read_table("coloured.xlsx", raw_workbook(sheet_xml(PERSON, formatted))).rows
    assert row == {"line": 2, "email": "a@example.org", "full_name": "Ana", "position": "manager"}
    # a person every few formatted rows: every row is read, so every cell counts
    person = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>a@example.org</t></is></c></row>'
    spread = b"".join(person % (n, n) if n % 8 == 0 else b'<row r="%d"><c r="A%d" s="1"/><c r="B%d" s="1"/></row>'
                      % (n, n, n) for n in range(3, 2_000))
    with pytest.raises(FileProblem) as error:
        read_table("spread.xlsx", raw_workbook(sheet_xml(PERSON, spread)))
    assert error.value.code == "too_big"


def test_millions_of_other_elements_or_attributes_are_refused_before_openpyxl_reads_them(monkeypatch):
    """60 KB of zip holding 15 million empty elements among the rows kept openpyxl busy for 40 s, and 7 MB of one
    tag with 3 million attributes for 100 s: neither is a cell, so the cell count let both through."""
    from app.imports import parsing

    monkeypatch.setattr(parsing, "MAX_OTHER_ITEMS", 1_000)
    many = raw_workbook(sheet_xml(PERSON, b"<x/>" * 5_000))  # a few cells, far more than a few items each
    deep = raw_workbook(sheet_xml(PERSON, b"<x>" * 2_000 + b"</x>" * 2_000))
    monkeypatch.setattr(parsing, "MAX_TAG_BYTES", 100_000)
    wide_tag = raw_workbook(sheet_xml(PERSON, b'<row r="9" ' + b" ".join(b'a%d="1"' % n for n in range(30_000))
                                      + b"/>"))
    for data in (many, deep, wide_tag):
        with pytest.raises(FileProblem) as error:
            read_table("bomb.xlsx", data)
        assert error.value.code == "too_big"
    # a long text is no long tag: expat hands it over as it goes
    long_name = b'<row><c t="inlineStr"><is><t>b@example.org</t></is></c><c t="inlineStr"><is><t>' + b"B" * 300_000 \
        + b'</t></is></c><c t="inlineStr"><is><t>manager</t></is></c></row>'
    rows = read_table("long.xlsx", raw_workbook(sheet_xml(PERSON, long_name))).rows
    assert len(rows[1]["full_name"]) == 300_000


def test_a_workbook_that_unpacks_too_large_is_refused_by_its_declared_size(monkeypatch):
    from app.imports import parsing

    monkeypatch.setattr(parsing, "MAX_UNPACKED_BYTES", 20_000)
    padding = b"<!--" + b" " * 30_000 + b"-->"  # compresses to almost nothing
    with pytest.raises(FileProblem) as error:
        read_table("padded.xlsx", raw_workbook(sheet_xml(PERSON, padding)))
    assert error.value.code == "too_big"


def test_xml_entities_in_a_workbook_are_refused():
    """No workbook has a DOCTYPE; its entities are how XML is made to expand (or to read other files)."""
    doctype = b'<!DOCTYPE worksheet [<!ENTITY e "a@example.org">]>'
    row = b'<row><c t="inlineStr"><is><t>&e;</t></is></c><c t="inlineStr"><is><t>Ana</t></is></c>' \
          b'<c t="inlineStr"><is><t>manager</t></is></c></row>'
    with pytest.raises(FileProblem) as error:
        read_table("entities.xlsx", raw_workbook(sheet_xml(row, doctype=doctype)))
    assert error.value.code == "xlsx"


def test_a_csv_is_read_to_as_many_columns_as_a_workbook():
    from app.imports.parsing import MAX_COLUMNS

    padding = "," * MAX_COLUMNS
    gap = "," * (MAX_COLUMNS - 3)  # the last column read is the MAX_COLUMNS-th
    within = read_table("a.csv", f"email,full name{gap},position\na@example.org,Ana{gap},technician\n".encode()).rows
    assert within[0]["position"] == "technician"
    with pytest.raises(FileProblem) as problem:  # a column named past the limit is not read
        read_table("a.csv", f"email,full name{padding},position\na@example.org,Ana{padding},technician\n".encode())
    assert problem.value.code == "columns" and problem.value.params["missing"] == ["position"]
    wide = f"email,full name,position\na@example.org,Ana,technician{',x' * 100_000}\n".encode()
    assert read_table("a.csv", wide).rows[0]["email"] == "a@example.org"  # stray cells far right: ignored


def test_hidden_sheets_and_rows_are_left_out_and_said_so():
    """A workbook whose old list is a hidden sheet, and whose list is filtered down to one country: what is out
    of sight is not imported, and the preview says what was left out."""
    workbook = Workbook()
    old = workbook.active
    old.title = "Old"
    old.append(["email", "full_name", "position"])
    old.append(["old@example.org", "Old", "manager"])
    old.sheet_state = "hidden"
    listed = workbook.create_sheet("Chile")
    for row in (["email", "full_name", "position"], ["ana@example.org", "Ana", "manager"],
                ["pedro@example.org", "Pedro (Peru)", "manager"], ["bea@example.org", "Bea", "technician"],
                ["lucia@example.org", "Lucía (Peru)", "manager"]):
        listed.append(row)
    listed.row_dimensions[3].hidden = listed.row_dimensions[5].hidden = True  # filtered out
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = read_table("people.xlsx", buffer.getvalue())
    assert [(row["line"], row["email"]) for row in parsed.rows] == [(2, "ana@example.org"), (4, "bea@example.org")]
    assert parsed.notes == [{"code": "hidden_sheet", "params": {"sheet": "Old"}},
                            {"code": "hidden_rows", "params": {"count": 2, "sheet": "Chile"}}]


def test_hidden_columns_are_left_out_and_said_so():
    """Old addresses kept in a hidden column before the new ones, under the same header: the hidden column is out
    of sight, so the visible one is read, and the preview says a column was left out."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Chile"
    for row in (["email", "email", "full_name", "position", "phone"],
                ["ana@old.example.org", "ana@example.org", "Ana", "manager", "555"],
                [None, "bea@example.org", "Bea", "technician", None]):
        sheet.append(row)
    sheet.column_dimensions["A"].hidden = True
    sheet.column_dimensions["E"].hidden = True  # held something too
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = read_table("people.xlsx", buffer.getvalue())
    assert [(row["line"], row["email"]) for row in parsed.rows] == [(2, "ana@example.org"), (3, "bea@example.org")]
    assert {"code": "hidden_columns", "params": {"count": 2, "sheet": "Chile"}} in parsed.notes
    assert not any(note["code"] == "repeated_columns" for note in parsed.notes)


def test_a_formula_whose_result_was_never_saved_is_refused_with_its_cell():
    """openpyxl (and other programs) write formulas without their result: the cell would read as empty."""
    data = workbook_bytes(("Personas", [["email", "full_name", "position"],
                                        ["ana@example.org", '="Ana"&" Pérez"', "manager"]]))
    with pytest.raises(FileProblem) as problem:
        read_table("people.xlsx", data)
    assert (problem.value.code, problem.value.params) == ("formulas", {"sheet": "Personas", "cell": "B2"})
    saved = raw_workbook(sheet_xml(b'<row><c t="inlineStr"><is><t>ana@example.org</t></is></c>'
                                   b'<c t="str"><f>"Ana"</f><v>Ana</v></c>'
                                   b'<c t="inlineStr"><is><t>manager</t></is></c></row>'))
    assert [row["full_name"] for row in read_table("saved.xlsx", saved).rows] == ["Ana"]  # with its result: read
    # Excel's way of saving an empty text result (="" or IF(...,"",...)) is a result, and a formula never
    # calculated in a column the import does not read (D: notes) stands in nobody's way
    empty_text = raw_workbook(sheet_xml(b'<row><c t="inlineStr"><is><t>ana@example.org</t></is></c>'
                                        b'<c t="inlineStr"><is><t>Ana</t></is></c>'
                                        b'<c t="inlineStr"><is><t>manager</t></is></c>'
                                        b'<c r="D2"><f>1+1</f><v/></c></row>',
                                        b'<row><c t="inlineStr"><is><t>bea@example.org</t></is></c>'
                                        b'<c t="str"><f>IF(1=1,"Bea","")</f><v>Bea</v></c>'
                                        b'<c t="str"><f>IF(1=1,"","x")</f><v></v></c></row>'))
    assert [(row["full_name"], row["position"]) for row in read_table("e.xlsx", empty_text).rows] == [
        ("Ana", "manager"), ("Bea", "")]


def test_a_row_of_formulas_none_of_them_calculated_is_refused_not_left_out():
    """A row whose every cell is a formula never calculated reads as blank: it was left out, and the person with
    it, while a row with one such cell among others is refused."""
    data = workbook_bytes(("Personas", [["email", "full_name", "position"],
                                        ["ana@example.org", "Ana", "manager"],
                                        ['="bea"&"@example.org"', '="Bea"', '="technician"'],
                                        ["carla@example.org", "Carla", "manager"]]))
    with pytest.raises(FileProblem) as problem:
        read_table("people.xlsx", data)
    assert (problem.value.code, problem.value.params) == ("formulas", {"sheet": "Personas", "cell": "A3"})
    only_formulas = workbook_bytes(("Personas", [["email", "full_name", "position"], ["=A1", "=B1", "=C1"]]))
    with pytest.raises(FileProblem) as problem:
        read_table("people.xlsx", only_formulas)
    assert (problem.value.code, problem.value.params) == ("formulas", {"sheet": "Personas", "cell": "A2"})
    # a formula never calculated in a column the import does not read still stands in nobody's way
    aside = workbook_bytes(("Personas", [["email", "full_name", "position", "notes"],
                                         ["ana@example.org", "Ana", "manager"], [None, None, None, "=1+1"]]))
    assert [row["line"] for row in read_table("people.xlsx", aside).rows] == [2]


def test_a_stray_line_of_semicolons_does_not_decide_the_separator():
    """The header is found (the stray line is then a row whose problems are named), not "columns missing"."""
    data = b"email,full_name,position\n;;\nana@example.org,Ana,manager\n"
    rows = read_table("people.csv", data).rows
    assert [(row["line"], row["email"], row["full_name"]) for row in rows] == [(2, ";;", ""),
                                                                               (3, "ana@example.org", "Ana")]


def _with_dimension(data: bytes, ref: bytes) -> bytes:
    """The workbook with its first sheet's <dimension> rewritten, as programs that write it wrong leave it."""
    import re
    import zipfile

    source, buffer = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref + b'"', part)
            archive.writestr(item, part)
    return buffer.getvalue()


@pytest.mark.parametrize("ref", [b"A1", b"A1:C2"])
def test_a_workbook_whose_dimension_was_written_wrong_is_read_whole(ref):
    """Programs that write workbooks may leave a stale <dimension> (A1, or the size of an earlier list): the rows
    and columns past it were dropped without a word, and the people on them were never imported."""
    rows = [["email", "full name", "position"], ["ana@example.org", "Ana", "manager"],
            ["beto@example.org", "Beto", "technician"]]
    parsed = read_table("list.xlsx", _with_dimension(workbook_bytes(("Hoja1", rows)), ref))
    assert [(row["email"], row["full_name"], row["position"]) for row in parsed.rows] == [
        ("ana@example.org", "Ana", "manager"), ("beto@example.org", "Beto", "technician")]


def test_a_workbook_without_a_dimension_reads_no_cell_past_the_columns_read():
    """Without a <dimension>, each row was read as wide as its last cell: a stray value in Excel's last column
    made a row of people (16,384 cells each) and a few kilobytes of file took gigabytes to read. As in a CSV, only
    the first MAX_COLUMNS columns count."""
    stray = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n) for n in range(3, 13))
    data = raw_workbook(sheet_xml(PERSON, stray))
    assert b"<dimension" not in data
    assert [row["email"] for row in read_table("list.xlsx", data).rows] == ["a@example.org"]


@pytest.mark.parametrize("header", [
    "E-mail:;Nombre completo *;Cargo*",  # a template marking the required columns
    "(Correo);[Nombre completo];Cargo.",
    "Marca temporal;Dirección de correo electrónico;Nombre completo;Cargo",  # a Spanish Google Form's answers
])
def test_column_titles_are_read_whatever_their_punctuation(header):
    data = f"{header}\n" + ("2026-12-01 10:00;" if header.startswith("Marca") else "") + "ana@example.org;Ana;jefa\n"
    [row] = read_table("respuestas.csv", data.encode()).rows
    assert (row["email"], row["full_name"], row["position"]) == ("ana@example.org", "Ana", "jefa")


@pytest.mark.parametrize(("header", "cells", "full_name"), [
    ("Nombre(s);Apellido paterno;Apellido materno;Correo;Cargo", "Ana;Pérez;Soto", "Ana Pérez Soto"),  # Mexico's forms
    ("Nombre(s);Apellido(s);Correo;Cargo", "Ana María;Pérez Soto", "Ana María Pérez Soto"),
    ("Nome(s);Sobrenome(s);E-mail;Cargo", "João;Silva", "João Silva"),
    ("Apellidos, Nombres;Correo;Cargo", "Pérez Soto, Ana", "Pérez Soto, Ana"),
    ("Nome e sobrenome;E-mail;Cargo", "João Silva", "João Silva"),
])
def test_name_columns_are_read_as_official_forms_title_them(header, cells, full_name):
    data = f"{header}\n{cells};ana@example.org;jefa\n".replace("Pérez Soto, Ana", '"Pérez Soto, Ana"')
    [row] = read_table("lista.csv", data.encode()).rows
    assert (row["email"], row["full_name"], row["position"]) == ("ana@example.org", full_name, "jefa")


@pytest.mark.parametrize("header", [
    "Nombre completo;Correo institucional;Cargo",  # a public body's list: the address is the work one
    "Nombre completo;Correo electrónico institucional;Puesto",
    "Nome completo;E-mail institucional;Função",
    "Nombre completo;Email corporativo;Rol",
    "Full name;Work e-mail;Job title",
    "Full name;Institutional email address;Job position",
])
def test_the_address_column_may_say_it_is_the_work_one(header):
    data = f"{header}\nAna;ana@example.org;jefa\n"
    [row] = read_table("lista.csv", data.encode()).rows
    assert (row["email"], row["full_name"], row["position"]) == ("ana@example.org", "Ana", "jefa")


@pytest.mark.parametrize("title", ["Entidad federativa", "ENTIDAD FEDERATIVA:"])
def test_mexicos_title_of_the_state_column_is_the_region(title):
    """Mexico's forms call a state an "entidad federativa": the region, not the institution an "Entidad" is."""
    data = f"Correo;Nombre completo;Cargo;Entidad;{title}\nana@example.org;Ana;jefa;CONACYT;Jalisco\n"
    [row] = read_table("lista.csv", data.encode()).rows
    assert (row["institution"], row["region"]) == ("CONACYT", "Jalisco")


def test_a_qualified_title_never_takes_the_place_of_the_plain_one():
    """The work address and a personal one side by side: the work one is read, the personal one is a column not
    read, as before."""
    data = "Nombre completo;Correo personal;Correo institucional;Cargo\nAna;ana@gmail.example;ana@gob.example;jefa\n"
    [row] = read_table("lista.csv", data.encode()).rows
    assert row["email"] == "ana@gob.example"


@pytest.mark.parametrize("header, plain, work", [
    ("Full name;Email;Work email;Position", "Email", "Work email"),
    ("Nombre completo;Correo institucional;Cargo;Correo", "Correo", "Correo institucional"),
    ("Nome completo;E-mail funcional;E-mail;Função", "E-mail", "E-mail funcional"),
])
def test_a_plain_and_a_work_address_column_together_are_refused_naming_both(header, plain, work):
    """"Email" and "Work email" side by side: the first address column was read and the work one reported as a
    repeat, so an account could take a personal address without a word. Which one the accounts should have is
    the coordinator's to say: the file is refused, naming both."""
    data = f"{header}\nAna;ana@gmail.example;ana@gob.example;jefa\n"
    with pytest.raises(FileProblem) as error:
        read_table("lista.csv", data.encode())
    assert (error.value.code, error.value.params) == ("email_columns", {"plain": plain, "work": work})


def test_cells_without_a_reference_after_one_with_it_are_read_in_their_columns():
    """A cell without its reference (r="C2") is the one after the cell before, as openpyxl reads it: the width of
    the rows read counts it there."""
    row = (b'<row><c r="B2" t="inlineStr"><is><t>a@example.org</t></is></c><c t="inlineStr"><is><t>Ana</t></is></c>'
           b'<c t="inlineStr"><is><t>manager</t></is></c></row>')
    header = (b'<row><c r="B1" t="inlineStr"><is><t>email</t></is></c><c t="inlineStr"><is><t>full name</t></is>'
              b'</c><c t="inlineStr"><is><t>position</t></is></c></row>')
    xml = sheet_xml(row).replace(
        b"<sheetData><row>" + sheet_xml().split(b"<sheetData><row>")[1].split(b"</row>")[0] + b"</row>",
        b"<sheetData>" + header)
    [parsed] = read_table("list.xlsx", raw_workbook(xml)).rows
    assert (parsed["email"], parsed["full_name"], parsed["position"]) == ("a@example.org", "Ana", "manager")


def test_a_workbook_with_many_formulas_is_not_refused_for_its_calculation_chain():
    """Excel lists every formula cell of the book in xl/calcChain.xml, one <c r="B2" i="1"/> each, outside any row:
    those entries are not cells of a row, so a list with a formula column of 20,000 cells is not 'too big'."""
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw_workbook(sheet_xml(PERSON)))) as source, \
            zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.infolist():
            archive.writestr(part, source.read(part))
        archive.writestr("xl/calcChain.xml", b'<?xml version="1.0"?><calcChain xmlns="http://schemas.openxmlformats'
                                             b'.org/spreadsheetml/2006/main">'
                         + b"".join(b'<c r="D%d" i="1"/>' % row for row in range(2, 20_002)) + b"</calcChain>")
    [row] = read_table("list.xlsx", data.getvalue()).rows
    assert row["email"] == "a@example.org"


def _peak_memory(function, *args) -> int:
    """The most memory, in bytes, that Python allocated while running the function (its arguments aside)."""
    import tracemalloc

    tracemalloc.start()
    try:
        function(*args)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("data, code", [
    (b"\n" * 9_000_000, "empty"),  # blank lines: kept one by one, the list took 2.8 GB
    (b"a\n" * 4_500_000, "too_many_more"),  # a line each: refused once past the limit, not after reading them all
    (b"," * 9_000_000, "empty"),  # one line of nine million cells
    ((HEADER + "a@example.org,A,manager\n" * 400_000).encode(), "too_many_more"),
])
def test_a_csv_of_megabytes_of_lines_or_cells_is_refused_without_keeping_them(data, code):
    """A 9 MB CSV answered after half a minute with gigabytes of memory: the list is read as far as it can matter
    (a long run of blank lines ends it, as in a workbook; rows past the limit refuse it) and rows as wide."""
    problems = []

    def parse():
        with pytest.raises(FileProblem) as error:
            read_table("a.csv", data)
        problems.append(error.value.code)

    assert _peak_memory(parse) < 4 * len(data)  # the text decoded, and little more
    assert problems == [code]


def test_a_long_run_of_blank_lines_ends_a_csv_list_as_it_ends_a_sheet():
    from app.imports.parsing import MAX_BLANK_RUN

    data = (HEADER + "a@example.org,A,manager\n" + ",,\n" * MAX_BLANK_RUN + "b@example.org,B,manager\n"
            + "\n" * (MAX_BLANK_RUN + 1) + "c@example.org,C,manager\n").encode()
    assert [row["email"] for row in read_table("a.csv", data).rows] == ["a@example.org", "b@example.org"]


def test_a_line_of_millions_of_cells_does_not_hide_the_people_under_it():
    data = (HEADER + "," * 9_000_000 + "\n" + "a@example.org,A,manager\n").encode()
    [row] = read_table("a.csv", data).rows
    assert (row["line"], row["email"]) == (3, "a@example.org")


def test_blank_lines_kept_just_short_of_a_run_that_ends_the_list_do_not_keep_the_server_reading():
    """A line of text after every 4,999 blank lines never makes a run that ends the list: 9 MB of such lines took
    17 seconds to read. Past ten times as many rows as a list may hold, blank or not, the file is refused."""
    from app.imports.parsing import MAX_BLANK_RUN, MAX_ROWS

    data = (HEADER + ("\n" * (MAX_BLANK_RUN - 1) + "a@example.org,A,manager\n") * 1800).encode()
    with pytest.raises(FileProblem) as error:
        read_table("a.csv", data)
    assert (error.value.code, error.value.params) == ("too_many_more", {"limit": MAX_ROWS})
    # a list of the largest size with a blank line between its people reads
    people = "".join(f"p{n}@example.org,P,manager\n\n" for n in range(MAX_ROWS))
    assert len(read_table("a.csv", (HEADER + people).encode()).rows) == MAX_ROWS


def test_a_workbook_with_a_cell_every_few_thousand_rows_down_to_excels_last_is_refused_at_once():
    """A workbook of 3 KB, a cell every 4,999 rows down to row 1,048,576 (never a run of blank rows that ends the
    list), kept the server reading empty rows for 9 seconds."""
    from app.imports.parsing import MAX_BLANK_RUN, MAX_ROWS

    def row(number):
        return (f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>x</t></is></c>'
                f'<c r="GR{number}" t="inlineStr"><is><t>y</t></is></c></row>').encode()

    data = raw_workbook(sheet_xml(*(row(number) for number in range(2, 1_048_577, MAX_BLANK_RUN - 1))))
    with pytest.raises(FileProblem) as error:
        read_table("a.xlsx", data)
    assert (error.value.code, error.value.params) == ("too_many_more", {"limit": MAX_ROWS})


def test_a_workbook_whose_index_names_a_zip_version_nobody_writes_is_a_damaged_workbook():
    """A byte damaged in the zip's index (a file half copied from a USB stick) can name a version of the format
    that zipfile does not read: it raised NotImplementedError while the workbook was opened, and the upload
    answered 500."""
    rows = [["email", "full name", "position"], ["a@example.org", "Ana", "manager"]]
    data = bytearray(workbook_bytes(("Hoja1", rows)))
    index = data.index(b"PK\x01\x02")  # the first entry of the central directory
    data[index + 6] = 0xFF  # the version needed to extract it: 25.5
    with pytest.raises(FileProblem) as problem:
        read_table("damaged.xlsx", bytes(data))
    assert problem.value.code == "xlsx"


def test_a_date_or_a_whole_number_in_a_workbook_reads_as_the_sheet_shows_it():
    """A date typed where a name goes is reported: as "2026-03-04", not "2026-03-04 00:00:00", and a number a
    spreadsheet keeps as 1234.0 as 1234."""
    from datetime import date, datetime

    data = workbook_bytes(("Hoja", [["email", "full name", "position", "institution"],
                                    ["a@example.org", date(2026, 3, 4), "manager", 1234.0],
                                    ["b@example.org", datetime(2026, 3, 4, 9, 30), "manager", 12.5]]))
    first, second = read_table("lista.xlsx", data).rows
    assert (first["full_name"], first["institution"]) == ("2026-03-04", "1234")
    assert (second["full_name"], second["institution"]) == ("2026-03-04 09:30", "12.5")
