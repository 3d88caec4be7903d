"""The audit trail's tests use the participant flow's study and bank."""

from __future__ import annotations

from tests.participants.conftest import (  # noqa: F401 (fixtures)
    bank,
    participant_posts_like_a_browser,
    study,
)
