import io

import pytest
from openpyxl import Workbook

from app.imports.parsing import FileProblem, read_table

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
    ("a.xlsx", b"PK\x03\x04 not really a zip", "xlsx"),
    ("a.csv", b"\xef\xbb\xbfemail\xff\xfe", "encoding"),
])
def test_files_that_cannot_be_read(name, data, code):
    with pytest.raises(FileProblem) as error:
        read_table(name, data)
    assert error.value.code == code


def test_missing_columns_are_named():
    with pytest.raises(FileProblem) as error:
        read_table("a.csv", b"email,nombre\nx@example.org,X\n")
    assert error.value.params == {"missing": ["position"], "line": 1}


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
