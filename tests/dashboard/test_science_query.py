"""The science page keeps the reader's query in its planning form: any parameter name.

Before: ``?items=<anything>`` was a 500, the template's ``query.items`` reading the parameter
named "items" instead of the query's pairs.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import study_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["items=x", "items=", "keys=1&values=2", "items=a&items=b"])
def test_any_parameter_name_is_kept_not_resolved(query: str) -> None:
    made = study_make("sciq", n_people=2)
    client = Client()
    client.force_login(made.researcher)
    page = client.get(f"/dashboard/sciq/science/?{query}")
    assert page.status_code == 200, page.content[:300]
    name = query.split("=")[0]
    assert f'<input type="hidden" name="{name}"' in page.content.decode()
