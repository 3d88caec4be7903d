"""What a bot reads of a page (pages.PageParser), on markup shaped like the participant
templates, with the corners a tag scanner can get wrong: comments, scripts, quoting, entities
and tags nested in the text it keeps."""

from __future__ import annotations

from braintrial.pilots.pages import Page, PageParser, page_parse

PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Trial 3 of 11</title>
<script>if (a <b) { document.write("<form action='/no/'><p>not a paragraph</p>"); }</script>
<style>p > strong { color: red }</style></head>
<body>
<!-- <form action="/commented/"><input name="step" value="x"></form> -->
<H1 id="progress-label" class="progress-label">Trial&nbsp;3 of 11</H1>
<h1>A second heading</h1>
<div class="errors"><h2>Please check your answers</h2>
<ul><li>Confidence: Enter a number from 1 to 100.</li>
<li>Choose one &amp; only one.</li><li></li></ul>
</div>
<form method="post" action="/s/pilot/flow/?a=1&amp;b=2" class="trial-form">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input type='hidden' name='step' value='trials'/>
  <input type=hidden name=position value=3>
  <input type="hidden" name="rt_client_ms" value="" data-rt>
  <input type="hidden" name="note" value="a &quot;quoted&quot; &gt; value">
  <p class="abstract">Version <mark>A</mark>: rates <em>rose</em>.</p>
  <INPUT TYPE="RADIO" name="choice" value="A" required><input type="radio" name="choice" value="B">
  <input type="checkbox" name="agree">
  <p class="hint" hidden>1 = None, 100 = Expert. <output for="s">Not set yet</output></p>
  <input type="number" name="confidence" min="1" max="100">
  <select name="country"><option value="">Choose</option><option value="DE">Germany</option>
    <option value="FR" selected>France</option></select>
  <textarea name="comments">typed <b>text</b></textarea>
  <button type="submit" name="consent" value="agree">I agree</button>
  <button type="submit" class="button">Continue</button>
</form>
<form action="/search/"><input name="q"></form>
<progress max="11" value="3">3 of 11</progress><link rel="icon" href="/f.svg">
<p>Your completion code is: <strong class="big code" id="completion-code">C0DE42</strong></p>
<p>   </p>
</body></html>
"""


def parsed(document: str = PAGE) -> PageParser:
    return page_parse(document)


def test_forms_with_their_values_and_options() -> None:
    first, second = parsed().forms

    assert (first.action, first.method) == ("/s/pilot/flow/?a=1&b=2", "post")
    assert first.values == {
        "csrfmiddlewaretoken": "tok",
        "step": "trials",
        "position": "3",
        "rt_client_ms": "",
        "note": 'a "quoted" > value',
        "confidence": "",
        "comments": "",
    }
    assert first.options == {
        "choice": ["A", "B"],
        "agree": ["on"],
        "country": ["DE", "FR"],
        "consent": ["agree"],
    }
    assert (second.action, second.method, second.values) == ("/search/", "get", {"q": ""})


def test_heading_errors_paragraphs_and_completion_code() -> None:
    parser = parsed()

    assert parser.heading == "Trial 3 of 11"  # &nbsp; is whitespace, collapsed like the rest
    assert parser.errors == ["Confidence: Enter a number from 1 to 100.", "Choose one & only one."]
    assert parser.paragraphs == [
        "Version A: rates rose.",
        "1 = None, 100 = Expert. Not set yet",
        "Your completion code is: C0DE42",
    ]
    assert parser.code == "C0DE42"


def test_the_step_form_and_the_description_of_a_page() -> None:
    page = Page(url="http://127.0.0.1/s/pilot/flow/", status=409, parser=parsed())

    assert page.step_form is page.parser.forms[0]
    assert page.describe() == (
        "HTTP 409 'Trial 3 of 11': Confidence: Enter a number from 1 to 100.; "
        "Choose one & only one."
    )


def test_a_page_without_forms_or_headings() -> None:
    parser = parsed("<html><body><p>Study closed.</p><strong>no code</strong></body></html>")
    page = Page(url="http://127.0.0.1/", status=200, parser=parser)

    assert (parser.forms, parser.heading, parser.code, parser.errors) == ([], "", "", [])
    assert page.step_form is None
    assert page.describe() == "HTTP 200 '(no heading)': Study closed."


def test_text_inside_script_and_style_is_never_a_paragraph_or_a_heading() -> None:
    parser = parsed(
        "<script>var s = '<h1>Fake</h1><p>fake</p>';</script><style>h1:after{content:'x'}</style>"
        "<h1>Real</h1><p>kept</p>"
    )

    assert (parser.heading, parser.paragraphs) == ("Real", ["kept"])


def test_attributes_without_values_and_character_references() -> None:
    parser = parsed(
        '<form method="POST" action="/s/p/flow/?a=1&amp;b=2"><input type="hidden" name="step" '
        'value="trials" disabled><input type=radio name=choice value=A checked>'
        "<input name='t' value='&lt;b&gt; &#233;'></form>"
    )

    [form] = parser.forms
    assert (form.method, form.action) == ("POST", "/s/p/flow/?a=1&b=2")
    assert form.values == {"step": "trials", "t": "<b> \u00e9"}
    assert form.options == {"choice": ["A"]}


def test_a_document_cut_off_in_the_middle_keeps_what_came_before() -> None:
    parser = parsed('<h1>Consent</h1><form method="post" action="/f/"><input name="step" value="c')

    assert parser.heading == "Consent"
    assert [f.action for f in parser.forms] == ["/f/"]


def test_the_parser_is_the_standard_html_tokenizer() -> None:
    # Pages are read by a real HTML parser, not by pattern matching over the markup.
    from html.parser import HTMLParser

    assert issubclass(PageParser, HTMLParser)
