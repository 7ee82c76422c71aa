"""Reading the YAML files of ``courses/`` with the line of every value, so that problems name file and line."""
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from app.text import one_line

LOCALES_REQUIRED = ("en", "es", "pt_BR")


@dataclass
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass
class Located:
    """Parsed YAML and where each value sits: ``lines[path]`` is the 1-based line of the value at ``path``
    (a tuple of keys and indexes)."""

    data: object
    lines: dict = field(default_factory=dict)
    file: str = ""
    written: dict = field(default_factory=dict)  # path -> a value YAML did not read as text, as the file writes it

    def as_written(self, value, *path) -> str:
        """``value`` (at ``path``) as the file writes it: 1.10, not the number 1.1 YAML reads."""
        return self.written.get(path, str(value))

    def other_base(self, value, *path) -> str | None:
        """What to say when the number ``value`` (at ``path``) is written in a base YAML 1.1 reads but nobody
        writing hours, minutes, levels or versions means: 1:30 is 90 (base 60), 010 is 8, 0x10 is 16, 0b11 is 3."""
        text = self.written.get(path, "").strip().lstrip("+-").replace("_", "")
        if ":" in text:
            base = 60
        elif text[:2].lower() in ("0x", "0b"):
            base = 16 if text[1] in "xX" else 2
        elif isinstance(value, int) and text.startswith("0") and text.isdigit() and int(text) != abs(value):
            base = 8
        else:
            return None
        return (f"{self.written[path].strip()} is read as the number {value:g} (in base {base}): write it in plain "
                f"digits{', such as 1.5 for 1:30' if base == 60 else ''}")

    def quote_hint(self, value, *path) -> str:
        """What to add when a text (at ``path``) is written as YAML reads something else: Yes or No (yes or no),
        2030 (a number), 2024-05-01 (a date)."""
        if isinstance(value, bool):
            kind = "yes or no"
        elif isinstance(value, (int, float)):
            kind = "a number"
        elif isinstance(value, (date, datetime)):
            kind = "a date"
        else:  # a list, a mapping, nothing (or !!binary): said otherwise
            return ""
        written = self.as_written(value, *path).strip()
        return f' (YAML reads {written} as {kind}: write it in quotes, "{written}")'

    def line(self, *path) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def problem(self, message: str, *path) -> Problem:
        return Problem(self.file, self.line(*path), message)


class YamlProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class _BadNode(Exception):
    """A value YAML parses but cannot turn into data (a date such as 2026-13-01, a list used as a key)."""

    def __init__(self, node, message: str):
        super().__init__(message)
        self.line = node.start_mark.line + 1
        self.message = message


def _build(node, path, lines, offset=0, written=None):
    """The value of a YAML node, with the line of each path in ``lines`` (of the text; ``offset``: lines of the
    file before it, for the lines messages name) and, in ``written``, the text of each value not read as text."""
    lines[path] = node.start_mark.line + 1
    if written is not None and isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:str":
        written[path] = node.value
    if isinstance(node, yaml.MappingNode):
        result, key_lines = {}, {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _BadNode(key_node, "a key must be a single word or value, not a list or a mapping")
            key = _scalar(key_node)
            if key in key_lines:  # YAML would keep the last one and drop the first without a word
                raise _BadNode(key_node, f"{key!r} is given twice (first on line {key_lines[key]}): keep one")
            key_lines[key] = key_node.start_mark.line + 1 + offset
            result[key] = _build(value_node, path + (key,), lines, offset, written)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (index,), lines, offset, written) for index, item in enumerate(node.value)]
    return _scalar(node)


def _text(node, value: str) -> str:
    """A text as written, escapes read: a pair of \\u escapes (as JSON writes a character beyond U+FFFF) is that
    character; an escape for a character the YAML file could not hold (a control character, or half a pair,
    which no page can send) is a problem on its line."""
    try:
        value = value.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        pass  # half a pair: found below
    found = yaml.reader.Reader.NON_PRINTABLE.search(value)
    if found:
        raise _BadNode(node, f"the escape in this quoted text stands for U+{ord(found.group()):04X}, an invisible "
                             f"character that is not allowed (a control character, or half of a \\u pair): "
                             f"delete it")
    return value


def _scalar(node):
    if node.tag == "tag:yaml.org,2002:str":
        return _text(node, node.value)
    try:
        value = yaml.SafeLoader("").construct_object(node)
    # a tag the word cannot be read as (!!timestamp demo, !!bool 3, !!int with nothing) fails inside PyYAML in its
    # own ways
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, AttributeError, KeyError, IndexError) as error:
        if node.tag == "tag:yaml.org,2002:timestamp":
            raise _BadNode(node, f"{node.value!r} is not a valid date (write it as YYYY-MM-DD)") from error
        raise _BadNode(node, f"the value {node.value!r} cannot be read") from error
    if isinstance(value, (dict, list, set, tuple)):  # a word tagged as a collection (!!map x): nothing, or no key
        raise _BadNode(node, f"the value {node.value!r} cannot be read")
    return value


_UNCLOSED = {"while scanning a quoted scalar": "the quoted text that starts on this line has no closing quote",
             "while parsing a flow sequence": "the [ list that starts on this line is not closed with ]",
             "while parsing a flow mapping": "the { mapping that starts on this line is not closed with }"}


_PLAIN = {"mapping values are not allowed here": "a colon (:) where YAML does not expect one: put a text that holds "
                                                 "\": \" in quotes, or check the indentation of this line",
          "expected <block end>": "this line is not indented like the lines before it: line it up with the other "
                                  "keys or list items at its level",
          "expected the node content, but found '<stream end>'": "the text ends while a value is still open: close "
                                                                 "the [, { or quote it starts with, or give the value"}


def _plain(problem: str) -> str:
    """PyYAML's words for the commonest slips, which an author cannot act on, said plainly (its own in brackets)."""
    said = next((plain for start, plain in _PLAIN.items() if problem.startswith(start)), None)
    return f"{said} (YAML: {problem})" if said else problem


def _open_bracket(text: str, before: int):
    """The context PyYAML would give for the innermost [ or { still open when it stopped on line ``before``
    (0-based), with the mark where it opens; (None, None) when none is. PyYAML names only the value it was reading
    ("while parsing a flow node") when a bracket left open runs into a block of lines (key:, - item)."""
    opened = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.line >= before:
                break
            if isinstance(token, (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)):
                opened.append(token)
            elif isinstance(token, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)) and opened:
                opened.pop()
    except yaml.YAMLError:
        pass  # the slip itself: what was read before it is what counts
    if not opened:
        return None, None
    kind = "sequence" if isinstance(opened[-1], yaml.FlowSequenceStartToken) else "mapping"
    return f"while parsing a flow {kind}", opened[-1].start_mark


def _malformed(error: yaml.YAMLError, file: str, offset: int, last: int, text: str = "") -> Problem:
    """What PyYAML found, on the line an author has to mend: where an unclosed quote or bracket opens (PyYAML
    notices it lines later), else where it stopped (at the end of the text: its ``last`` line, not the one after)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if "'\\t'" in problem:  # PyYAML's own words for a tab are cryptic to an author
        problem = "a tab character where YAML needs spaces: indent with spaces, never tabs"
    context, opened = getattr(error, "context", None) or "", getattr(error, "context_mark", None)
    if context == "while parsing a flow node" and mark is not None and "<stream end>" not in problem:
        context, opened = _open_bracket(text, mark.line)
    unclosed = _UNCLOSED.get(context or "")
    if unclosed and opened is not None and mark is not None and opened.line < mark.line:
        return Problem(file, opened.line + 1 + offset, f"malformed YAML: {unclosed} (YAML stopped on line "
                                                       f"{mark.line + 1 + offset}: {problem})")
    return Problem(file, min(mark.line + 1, last) + offset if mark else None, f"malformed YAML: {_plain(problem)}")


MAX_DEPTH = 40  # lists and mappings inside each other: a few levels in any file we read
MAX_VALUES = 100_000  # values once aliases (*name) are expanded: the largest framework holds a few thousand


def _check_shape(text: str, file: str, offset: int) -> None:
    """Refuse, before building anything, YAML nested deeper than any content file needs (PyYAML would fail with
    a RecursionError) or whose aliases expand into more values than any content file holds (a few lines of
    "billion laughs" would take minutes and the memory of the server): a problem on the line where it happens."""
    opened = [[0, None]]  # per open list or mapping: values in it so far (aliases expanded), its anchor
    sizes: dict = {}  # anchor -> how many values it stands for
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 + offset
        if isinstance(event, yaml.CollectionStartEvent):
            if len(opened) > MAX_DEPTH:
                raise YamlProblem(Problem(file, line, f"lists and mappings are nested more than {MAX_DEPTH} levels "
                                                      f"deep here: a content file needs only a few"))
            opened.append([1, event.anchor])
            added = 1
        elif isinstance(event, yaml.CollectionEndEvent):
            size, anchor = opened.pop()
            opened[-1][0] += size
            if anchor is not None:
                sizes[anchor] = size
            continue
        elif isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for _size, anchor in opened):
                raise YamlProblem(Problem(file, line, f"the alias *{event.anchor} is inside the value it names, "
                                                      f"which would never end: write the values out instead"))
            added = sizes.get(event.anchor, 1)
            opened[-1][0] += added
        elif isinstance(event, yaml.ScalarEvent):
            added = 1
            opened[-1][0] += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        else:
            continue
        total += added
        if total > MAX_VALUES:
            raise YamlProblem(Problem(file, line, f"the aliases (*name) expand to more than {MAX_VALUES:,} values "
                                                  f"by this line: write the values out instead"))


def load_text(text: str, file: str, offset: int = 0) -> Located:
    """Parse YAML text; malformed YAML, or a value YAML cannot construct, raises YamlProblem with its line.
    ``offset``: how many lines of the file come before the text (the opening --- of front matter)."""
    try:
        _check_shape(text, file, offset)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as error:  # PyYAML names a position in the text, not a line
        line = text[:error.position].count("\n") + 1 + offset
        character = f"U+{error.character:04X}" if isinstance(error.character, int) else repr(error.character)
        raise YamlProblem(Problem(file, line, f"malformed YAML: the invisible control character {character} is "
                                              f"not allowed (pasted from another program?): delete it")) from error
    except yaml.YAMLError as error:
        raise YamlProblem(_malformed(error, file, offset, max(len(text.splitlines()), 1), text)) from error
    lines: dict = {}
    written: dict = {}
    try:
        data = _build(node, (), lines, offset, written) if node is not None else None
    except _BadNode as error:
        raise YamlProblem(Problem(file, error.line + offset, error.message)) from error
    return Located(data=data, lines={path: line + offset for path, line in lines.items()}, file=file, written=written)


MAX_FILE_BYTES = 4 * 1024 * 1024  # the texts read whole: course.yaml, front matter and body, frameworks, designs


def read_text(path: Path, name: str, keep_line_breaks: bool = False) -> str:
    """A content file's text: UTF-8, a byte-order mark (as some editors write) allowed; line breaks become \n
    unless ``keep_line_breaks`` (a CSV's reader finds its row ends itself). Anything else is a YamlProblem that
    names the line of the first byte that is not UTF-8."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:  # read whole and parsed: a 50 MB course.yaml took 22 s
            raise YamlProblem(Problem(name, None, f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, "
                                                  f"far more than a course, module or framework needs"))
        raw = path.read_bytes()
    except OSError as error:  # a folder named like a file, a file without read permission
        raise YamlProblem(Problem(name, None, f"the file cannot be read: {error.strerror or error}")) from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise YamlProblem(Problem(name, line, "the file is not UTF-8 text: save it as UTF-8")) from error
    return text if keep_line_breaks else text.replace("\r\n", "\n").replace("\r", "\n")


def load_file(path: Path, root: Path | None = None) -> Located:
    name = str(path.relative_to(root)) if root else str(path)
    return load_text(read_text(path, name), name)


def front_matter(text: str, file: str) -> tuple[Located, str, int]:
    """Split a Markdown file into its YAML front matter (between --- lines) and its body.

    Returns the parsed front matter, the body, and the line on which the body starts."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise YamlProblem(Problem(file, 1, "the file must start with YAML front matter between --- lines"))
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            located = load_text("".join(lines[1:index]), file, offset=1)  # after the opening ---
            return located, "".join(lines[index + 1:]), index + 2
    raise YamlProblem(Problem(file, 1, "the front matter has no closing --- line"))


def translated(located: Located, value, path: tuple, name: str, problems: list[Problem],
               required=LOCALES_REQUIRED) -> dict:
    """A {locale: text} mapping with every required locale present and not empty; texts in another supported
    language than those required are kept (a title may be translated ahead of the course)."""
    if not isinstance(value, dict):
        problems.append(located.problem(f"{name} must give a text for each of {', '.join(required)}", *path))
        return {}
    for locale in required:
        text = value.get(locale)
        if not isinstance(text, str) or not text.strip():
            problems.append(located.problem(f"{name} is missing its {locale} text"
                                            f"{located.quote_hint(text, *path, locale)}", *path))
        elif not one_line(text):  # (what the edit forms refuse as empty: a zero-width space, punctuation alone)
            problems.append(located.problem(f"{name} has no letter or digit that shows in its {locale} text",
                                            *path, locale))
    for locale in value:
        if locale not in LOCALES_REQUIRED:
            problems.append(located.problem(f"{name} has an unknown language {locale!r}", *path, locale))
    return {k: str(v).strip() for k, v in value.items() if isinstance(v, str)}
