"""The audit trail: every change to a study, an item bank or a scorer (django-auditlog), and the
events that are not a model change (downloads, withdrawals, purges, scoring runs, lockouts)."""

from __future__ import annotations

from django.apps import AppConfig, apps

# Timestamps that move on every save say nothing a reader of the trail needs; a study's
# held-out key is a secret (whoever holds it can tell its held-out items), kept out of the log.
_NOT_AUDITED = ["created_at", "updated_at", "held_out_key"]


class AuditConfig(AppConfig):
    name = "braintrial.audit"
    label = "audit"

    def ready(self) -> None:
        from auditlog.models import LogEntry
        from auditlog.registry import auditlog
        from axes.signals import user_locked_out
        from django.db.models.signals import post_migrate, post_save, pre_save

        from braintrial.audit.chain import entry_seal
        from braintrial.audit.roles import app_role_grant_after_migrate
        from braintrial.audit.services import entry_prepare, login_lockout_record

        # By name: the audit app sits below the apps it records, and imports none of them.
        for label, m2m in (
            ("studies.Study", {"researchers"}),
            ("items.ItemBank", {"owners"}),
            ("scoring.Scorer", set()),
        ):
            model = apps.get_model(label)
            if not auditlog.contains(model):
                # The row's own columns: reverse relations (a study's participants) are not
                # part of what a researcher changed.
                own = [f.name for f in model._meta.concrete_fields if f.name not in _NOT_AUDITED]
                auditlog.register(model, include_fields=own, m2m_fields=m2m)
        user_locked_out.connect(login_lockout_record, dispatch_uid="audit.login_lockout")
        pre_save.connect(entry_prepare, sender=LogEntry, dispatch_uid="audit.entry_prepare")
        post_save.connect(entry_seal, sender=LogEntry, dispatch_uid="audit.entry_seal")
        post_migrate.connect(app_role_grant_after_migrate, dispatch_uid="audit.app_role")
