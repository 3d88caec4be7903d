"""Every recorded field reaches a file: a field added to a model without a column fails here."""

from __future__ import annotations

from braintrial.exports.rows import EXPORT_KINDS
from braintrial.items.models import Item
from braintrial.participants.models import Participant, Trial
from scoring.models import ItemScore

# model field -> column, where the published name differs or the field is coded
TRIAL_COLUMNS = {
    "id": "trial_id", "participant": "pid", "item": "item_id", "position": "position",
    "kind": "kind", "original_is_a": "version_a", "shown_at": "shown_at",
    "answered_at": "answered_at", "choice": "choice", "correct": "correct",
    "confidence": "confidence", "expertise": "expertise", "recognised": "recognised",
    "rt_server_ms": "rt", "rt_client_ms": "rt_client_ms", "blur_count": "blur_count",
    "confidence_moved": "confidence_moved", "expertise_moved": "expertise_moved",
    "flag_recognised": "flag_recognised", "flag_fast": "flag_fast",
    "outside_help": "trial_outside_help", "flag_outside_help": "flag_outside_help_trial",
}  # fmt: skip
PARTICIPANT_RENAMED = {
    "id": "pid", "public_id": "participant", "gender": "sex", "position": "current position",
    "experience_years": "experience",
}  # fmt: skip
# Secrets: the cookie token's hash; the keyed hashes of the browser mark and client address
# (repeat_suspected is their exported meaning).
# Hashes are for the server alone; withdrawn participants (withdrawn_at, and the keyed hash of
# their recruitment id that the repeat policy reads) are in no file.
NOT_EXPORTED = {
    "token_hash",
    "recruitment_key",
    "browser_mark_hash",
    "address_hash",
    "withdrawal_key",
    "withdrawn_at",
}


def field_names(model) -> set[str]:
    return {field.name for field in model._meta.concrete_fields}


def test_every_trial_field_has_a_column():
    header = EXPORT_KINDS["trials"].header
    assert set(TRIAL_COLUMNS) == field_names(Trial)
    assert set(TRIAL_COLUMNS.values()) <= set(header)


def test_every_participant_field_has_a_column():
    header = set(EXPORT_KINDS["participants"].header)
    for name in field_names(Participant) - NOT_EXPORTED:
        assert PARTICIPANT_RENAMED.get(name, name) in header, name


def test_every_item_and_score_field_has_a_column():
    items = set(EXPORT_KINDS["items"].header)
    for name in field_names(Item):
        assert {"id": "item_id"}.get(name, name) in items, name
    scores = set(EXPORT_KINDS["scores"].header)
    for name in field_names(ItemScore) - {"id"}:
        assert {"item": "item_id", "run": "run_id"}.get(name, name) in scores, name


def test_column_names_are_unique_in_every_file():
    for kind in EXPORT_KINDS.values():
        assert len(kind.header) == len(set(kind.header)), kind.name
