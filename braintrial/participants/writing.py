"""How each language of the participant pages writes: the order of its alphabet for the
country list, and the punctuation Django puts after a form's labels.

The country list follows the Unicode Collation Algorithm (CLDR's root order, which German and
Spanish follow for these names: an umlaut sorts with its vowel) and, for Chinese, pinyin
(CLDR's default order for zh).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pyuca
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from braintrial.participants.countries import NOT_A_COUNTRY

# Django ends a label with the translation of ":" unless the label already ends in one of the
# marks of ":?.!", both read from the active catalogue. Django's own Chinese keeps the ASCII
# marks, so a question ending in a full-width question mark (U+FF1F) got an ASCII colon after
# it; the catalogues here give each language its marks. Named so makemessages keeps them.
LABEL_MARKS = (_(":"), _(":?.!"))


@cache
def _collation_key(language: str) -> Callable[[str], Any]:
    if language.split("-")[0] == "zh":
        # Pinyin with tone numbers, syllable by syllable; the name breaks a tie of sounds.
        return lambda label: (lazy_pinyin(label, style=Style.TONE3), label)
    return pyuca.Collator().sort_key  # type: ignore[no-any-return]


def countries_collate(
    options: tuple[tuple[str, str], ...], *, language: str
) -> tuple[tuple[str, str], ...]:
    """The (value, label) options of the country select in the alphabetical order of
    ``language``'s labels; the empty choice stays first and the answers that are no country
    ("Other", "Prefer not to answer") last."""
    first = tuple(o for o in options if o[0] == "")
    last = tuple(o for o in options if o[0] in NOT_A_COUNTRY)
    key = _collation_key(language)
    countries = sorted(
        (o for o in options if o[0] and o[0] not in NOT_A_COUNTRY), key=lambda o: key(o[1])
    )
    return first + tuple(countries) + last
