"""The item bank's admin, gated by the bank rule: the admin asks ``studies.banks`` whether this
user may read a bank's items and add to it, as the dashboard and the API do.

It lives here, above the item bank (which knows nothing of who may read it), and replaces the
item bank's plain registration (StudiesConfig.ready).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from braintrial.items.admin import ItemAdmin
from braintrial.items.models import Item
from braintrial.studies.banks import bank_importable, banks_for_user
from braintrial.studies.selectors import READ_ALL


class GatedItemForm(forms.ModelForm):
    request_user: Any = None  # set per request by GatedItemAdmin.get_form

    def clean_bank(self) -> str:
        bank = str(self.cleaned_data["bank"])
        if not bank_importable(user=self.request_user, name=bank):
            raise ValidationError(f"Only the owners of item bank {bank!r} may add items to it.")
        return bank


class GatedItemAdmin(ItemAdmin):
    """Items of the banks the user may read; added, changed or deleted only where they may
    import (studies.banks.bank_importable)."""

    form = GatedItemForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Item]:
        items = super().get_queryset(request)
        if request.user.has_perm(READ_ALL):
            return items
        return items.filter(bank__in=banks_for_user(user=request.user).values("name"))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form: Any = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user  # a class made for this request
        return form

    def has_change_permission(self, request: HttpRequest, obj: Item | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or bank_importable(user=request.user, name=obj.bank))

    def has_delete_permission(self, request: HttpRequest, obj: Item | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or bank_importable(user=request.user, name=obj.bank))


def item_admin_gate() -> None:
    """Put the gated admin in place of the item bank's own registration."""
    if admin.site.is_registered(Item):
        admin.site.unregister(Item)
    admin.site.register(Item, GatedItemAdmin)
