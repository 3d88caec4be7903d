"""CSV downloads. The dashboard links /exports/<slug>/<kind>.csv; /exports/all/<kind>.csv covers
every study the researcher may read (so a study cannot be exported by the slug "all")."""

from __future__ import annotations

from django.urls import path, register_converter

from braintrial.exports import views
from braintrial.exports.rows import EXPORT_KINDS


class ExportKindConverter:
    regex = "|".join(EXPORT_KINDS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportKindConverter, "export_kind")

app_name = "exports"
urlpatterns = [
    path("dictionary/", views.dictionary, name="dictionary"),
    path("all/<export_kind:kind>.csv", views.export_csv, name="all_csv"),
    path("<slug:slug>/<export_kind:kind>.csv", views.export_csv, name="study_csv"),
    path("<slug:slug>/bank/", views.bank_published_csv, name="bank_csv"),
]
