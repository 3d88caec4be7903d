"""What a bot reads of a page: its forms, first heading, error messages and completion code.

Pure HTML scanning with the standard library; braintrial.participants.bots walks the flow with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape


@dataclass
class Form:
    action: str
    method: str
    # name -> value of the inputs a browser would submit as they are (hidden, text, ...).
    values: dict[str, str] = field(default_factory=dict)
    # name -> the values a participant can choose between (radios, selects, submit buttons).
    options: dict[str, list[str]] = field(default_factory=dict)


# The tags a bot reads, found by one regular expression: the scan skips every other tag (most
# of a page) without a step in Python, which a general HTML parser takes for each. Comments and
# script or style bodies are matched whole so that nothing inside them is taken for a tag.
_TOKEN = re.compile(
    r"<!--.*?-->"
    r"|<(script|style)(?=[\s/>]).*?</\1\s*>"
    r"|<(/?)(form|input|button|select|option|textarea|h1|strong|p|li)(?=[\s/>])"
    r"((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.IGNORECASE | re.DOTALL,
)
# name, then a value in double, single or no quotes (HTML's three forms), or no value at all.
_ATTRIBUTE = re.compile(r"""([^\s/>"'=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
# Any other tag inside the text of an element the bot reads (<output>, <mark>, <a> ...).
_OTHER_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _attributes(text: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for name, double, single, bare in _ATTRIBUTE.findall(text):
        value = double or single or bare
        found.append((name.lower(), unescape(value) if "&" in value else value))
    return found


class PageParser:
    """Collects the forms of a page, its first heading and the completion code.

    Reads the tags of a whole document in one ``feed`` (not a stream in pieces), in document
    order, as an HTML tokenizer would hand them over: elements are not closed implicitly.
    """

    def __init__(self) -> None:
        self.forms: list[Form] = []
        self.heading = ""
        self.code = ""
        self.errors: list[str] = []  # list items: the form errors of a page shown again
        self.paragraphs: list[str] = []
        self._select: str | None = None
        # Open elements whose text is wanted: [tag, kind, text parts]; they can nest.
        self._open: list[tuple[str, str, list[str]]] = []

    def feed(self, document: str) -> None:
        end = 0
        for match in _TOKEN.finditer(document):
            if self._open and match.start() > end:
                self._text(document[end : match.start()])
            end = match.end()
            slash, tag, attributes = match.group(2, 3, 4)
            if tag is None:
                continue  # a comment, script or style
            if slash:
                self.handle_endtag(tag.lower())
            else:
                self.handle_starttag(tag.lower(), _attributes(attributes))

    def _text(self, text: str) -> None:
        if "<" in text:
            text = _OTHER_TAG.sub("", text)
        self.handle_data(unescape(text) if "&" in text else text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get")))
        elif tag == "h1":
            self._open.append((tag, "heading", []))
        elif tag == "strong" and "code" in a.get("class", "").split():
            self._open.append((tag, "code", []))
        elif tag in {"p", "li"}:
            self._open.append((tag, tag, []))
        if tag == "option" and self._select is not None and a.get("value"):
            self.forms[-1].options[self._select].append(a["value"])
        if not self.forms or "name" not in a:
            return
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
            form.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
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
        for _, _, parts in self._open:
            parts.append(data)


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
