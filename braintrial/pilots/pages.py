"""What a bot reads of a page: its forms, first heading, error messages and completion code.

The standard library's HTML tokenizer (``html.parser``) reads the markup, so comments, script
and style bodies, the three kinds of attribute quoting and character references are handled as
a browser's tokenizer handles them. braintrial.pilots.bots walks the flow with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements whose text is never shown as text: nothing inside them is a paragraph or a heading.
RAW_TEXT = frozenset({"script", "style"})


@dataclass
class Form:
    action: str
    method: str
    # name -> value of the inputs a browser would submit as they are (hidden, text, ...).
    values: dict[str, str] = field(default_factory=dict)
    # name -> the values a participant can choose between (radios, selects, submit buttons).
    options: dict[str, list[str]] = field(default_factory=dict)


class PageParser(HTMLParser):
    """Collects the forms of a page, its first heading, its error list items, its paragraphs
    and the completion code.

    Tags are taken in document order as the tokenizer hands them over: elements are not closed
    implicitly, so a paragraph's text runs to its own ``</p>``.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.heading = ""
        self.code = ""
        self.errors: list[str] = []  # list items: the form errors of a page shown again
        self.paragraphs: list[str] = []
        self._select: str | None = None
        self._raw_depth = 0  # inside <script> or <style>
        # Open elements whose text is wanted: (tag, kind, text parts); they can nest.
        self._open: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in RAW_TEXT:
            self._raw_depth += 1
            return
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get")))
        elif tag == "h1":
            self._open.append((tag, "heading", []))
        elif tag == "strong" and "code" in a.get("class", "").split():
            self._open.append((tag, "code", []))
        elif tag in {"p", "li"}:
            self._open.append((tag, tag, []))
        elif tag == "option" and self._select is not None and a.get("value"):
            self.forms[-1].options[self._select].append(a["value"])
        if self.forms and "name" in a:
            self._field(tag, a)

    def _field(self, tag: str, a: dict[str, str]) -> None:
        form, name = self.forms[-1], a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"radio", "checkbox", "submit"}:
                form.options.setdefault(name, []).append(a.get("value", "on"))
            else:
                form.values[name] = a.get("value", "")
        elif tag == "button":
            form.options.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select":
            self._select = name
            form.options[name] = []
        elif tag == "textarea":
            form.values[name] = ""  # a participant's text starts empty, whatever the page holds

    def handle_endtag(self, tag: str) -> None:
        if tag in RAW_TEXT:
            self._raw_depth = max(0, self._raw_depth - 1)
            return
        if tag == "select":
            self._select = None
        if not self._open or self._open[-1][0] != tag:
            return
        _, kind, parts = self._open.pop()
        text = " ".join("".join(parts).split())
        if kind == "heading" and not self.heading:
            self.heading = text
        elif kind == "code":
            self.code = text
        elif kind == "li" and text:
            self.errors.append(text)
        elif kind == "p" and text:
            self.paragraphs.append(text)

    def handle_data(self, data: str) -> None:
        if self._raw_depth:
            return
        for _, _, parts in self._open:
            parts.append(data)


def page_parse(html: str) -> PageParser:
    """The parts of a whole HTML document that a bot reads."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


@dataclass
class Page:
    url: str
    status: int
    parser: PageParser

    @property
    def step_form(self) -> Form | None:
        """The page's POST form that names the step of the flow, if there is one."""
        return next((f for f in self.parser.forms if "step" in f.values), None)

    def describe(self) -> str:
        text = f"HTTP {self.status} '{self.parser.heading or '(no heading)'}'"
        detail = self.parser.errors[:3] or self.parser.paragraphs[:1]
        if detail:
            text += ": " + "; ".join(detail)[:300]
        return text
