"""Two studies with their researchers, a staff user, API clients holding tokens."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from scoring.models import Scorer
from tests.factories import Made, study_make, user_make


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    # Throttle counters live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@dataclass
class World:
    alpha: Made
    beta: Made
    staff: object
    scorer: Scorer

    def client_for(self, actor: str) -> APIClient:
        if actor == "anonymous":
            return APIClient()
        if actor == "participant":
            # A participant's study cookie, as the flow sets it: not an API credential.
            client = APIClient()
            person = self.alpha.participants[0]
            client.cookies[f"bt_{self.alpha.study.slug}"] = self.alpha.tokens[person.pk]
            return client
        user = {
            "own": self.alpha.researcher,
            "other": self.beta.researcher,
            "staff": self.staff,
        }[actor]
        return token_client(user)


@pytest.fixture
def world(db) -> World:
    alpha = study_make("alpha")
    beta = study_make("beta")
    staff = user_make("staff", staff=True)
    scorer = Scorer.objects.create(name="tiny-local", model_source="local/tiny-model")
    return World(alpha=alpha, beta=beta, staff=staff, scorer=scorer)
