"""Countries offered for "Which country are you based in?".

Stored as the published participant data spells them (United States, United Kingdom, Ireland
{Republic}, ...), so answers line up with that data whatever language the page is shown in
(tests/participants/test_countries.py checks every spelling it holds); shown by their plain name
where the two differ (COUNTRY_LABELS), and in other languages by the Unicode CLDR's name of their
ISO 3166 code (through Babel). "Other" covers anything not listed. The list is shown in the
order of the page's language (participants.writing.countries_collate).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import Locale
from django.utils.functional import lazy
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

COUNTRIES: tuple[str, ...] = (
    "Afghanistan",
    "Albania",
    "Algeria",
    "Andorra",
    "Angola",
    "Antigua and Barbuda",
    "Argentina",
    "Armenia",
    "Australia",
    "Austria",
    "Azerbaijan",
    "Bahamas",
    "Bahrain",
    "Bangladesh",
    "Barbados",
    "Belarus",
    "Belgium",
    "Belize",
    "Benin",
    "Bhutan",
    "Bolivia",
    "Bosnia and Herzegovina",
    "Botswana",
    "Brazil",
    "Brunei",
    "Bulgaria",
    "Burkina Faso",
    "Burundi",
    "Cabo Verde",
    "Cambodia",
    "Cameroon",
    "Canada",
    "Central African Republic",
    "Chad",
    "Chile",
    "China",
    "Colombia",
    "Comoros",
    "Congo",
    "Costa Rica",
    "Côte d'Ivoire",
    "Croatia",
    "Cuba",
    "Cyprus",
    "Czech Republic",
    "Democratic Republic of the Congo",
    "Denmark",
    "Djibouti",
    "Dominica",
    "Dominican Republic",
    "Ecuador",
    "Egypt",
    "El Salvador",
    "Equatorial Guinea",
    "Eritrea",
    "Estonia",
    "Eswatini",
    "Ethiopia",
    "Fiji",
    "Finland",
    "France",
    "Gabon",
    "Gambia",
    "Georgia",
    "Germany",
    "Ghana",
    "Greece",
    "Grenada",
    "Guatemala",
    "Guinea",
    "Guinea-Bissau",
    "Guyana",
    "Haiti",
    "Honduras",
    "Hong Kong",
    "Hungary",
    "Iceland",
    "India",
    "Indonesia",
    "Iran",
    "Iraq",
    "Ireland {Republic}",
    "Israel",
    "Italy",
    "Jamaica",
    "Japan",
    "Jordan",
    "Kazakhstan",
    "Kenya",
    "Kiribati",
    "Kosovo",
    "Kuwait",
    "Kyrgyzstan",
    "Laos",
    "Latvia",
    "Lebanon",
    "Lesotho",
    "Liberia",
    "Libya",
    "Liechtenstein",
    "Lithuania",
    "Luxembourg",
    "Madagascar",
    "Malawi",
    "Malaysia",
    "Maldives",
    "Mali",
    "Malta",
    "Marshall Islands",
    "Mauritania",
    "Mauritius",
    "Mexico",
    "Micronesia",
    "Moldova",
    "Monaco",
    "Mongolia",
    "Montenegro",
    "Morocco",
    "Mozambique",
    "Myanmar",
    "Namibia",
    "Nauru",
    "Nepal",
    "Netherlands",
    "New Zealand",
    "Nicaragua",
    "Niger",
    "Nigeria",
    "North Korea",
    "North Macedonia",
    "Norway",
    "Oman",
    "Pakistan",
    "Palau",
    "Palestine",
    "Panama",
    "Papua New Guinea",
    "Paraguay",
    "Peru",
    "Philippines",
    "Poland",
    "Portugal",
    "Puerto Rico",
    "Qatar",
    "Romania",
    "Russia",
    "Rwanda",
    "Saint Kitts and Nevis",
    "Saint Lucia",
    "Saint Vincent and the Grenadines",
    "Samoa",
    "San Marino",
    "Sao Tome and Principe",
    "Saudi Arabia",
    "Senegal",
    "Serbia",
    "Seychelles",
    "Sierra Leone",
    "Singapore",
    "Slovakia",
    "Slovenia",
    "Solomon Islands",
    "Somalia",
    "South Africa",
    "South Korea",
    "South Sudan",
    "Spain",
    "Sri Lanka",
    "Sudan",
    "Suriname",
    "Sweden",
    "Switzerland",
    "Syria",
    "Taiwan",
    "Tajikistan",
    "Tanzania",
    "Thailand",
    "Timor-Leste",
    "Togo",
    "Tonga",
    "Trinidad and Tobago",
    "Tunisia",
    "Turkey",
    "Turkmenistan",
    "Tuvalu",
    "Uganda",
    "Ukraine",
    "United Arab Emirates",
    "United Kingdom",
    "United States",
    "Uruguay",
    "Uzbekistan",
    "Vanuatu",
    "Vatican City",
    "Venezuela",
    "Vietnam",
    "Yemen",
    "Zambia",
    "Zimbabwe",
    "Other",
    "Prefer Not to Answer",
)

# What a participant reads where the stored spelling is not how the name is written.
COUNTRY_LABELS = {"Ireland {Republic}": "Ireland"}

# The published spellings that are not CLDR's English name of their code.
_CODE_OF_SPELLING = {
    "Antigua and Barbuda": "AG",
    "Bosnia and Herzegovina": "BA",
    "Cabo Verde": "CV",
    "Congo": "CG",
    "Côte d'Ivoire": "CI",
    "Czech Republic": "CZ",
    "Democratic Republic of the Congo": "CD",
    "Hong Kong": "HK",
    "Ireland {Republic}": "IE",
    "Myanmar": "MM",
    "Palestine": "PS",
    "Saint Kitts and Nevis": "KN",
    "Saint Lucia": "LC",
    "Saint Vincent and the Grenadines": "VC",
    "Sao Tome and Principe": "ST",
    "Trinidad and Tobago": "TT",
    "Turkey": "TR",
}
# Answers that are no country, and a name people use that CLDR spells as an administrative title
# ("Hong Kong SAR China"): translated here instead.
_OWN_LABELS = {
    "Other": _("Other"),
    "Prefer Not to Answer": _("Prefer not to answer"),
    "Hong Kong": _("Hong Kong"),
}
NOT_A_COUNTRY = ("Other", "Prefer Not to Answer")


@cache
def country_codes() -> dict[str, str]:
    """The ISO 3166 code of every listed country, by its stored spelling."""
    english = {name: code for code, name in Locale("en").territories.items()}
    return {
        name: _CODE_OF_SPELLING.get(name) or english[name]
        for name in COUNTRIES
        if name not in NOT_A_COUNTRY
    }


@cache
def _names(language: str) -> dict[str, str]:
    territories = Locale.parse(to_locale(language)).territories
    return {spelling: territories[code] for spelling, code in country_codes().items()}


def _label(spelling: str) -> str:
    language = get_language() or "en"
    if language.split("-")[0] == "en":
        return COUNTRY_LABELS.get(spelling, spelling)
    return _names(language)[spelling]


_lazy_label = lazy(_label, str)


def country_choices() -> list[tuple[str, Any]]:
    """(stored value, label in the active language) of every entry of COUNTRIES, in order."""
    return [(name, _OWN_LABELS.get(name) or _lazy_label(name)) for name in COUNTRIES]
