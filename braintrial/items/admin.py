"""Admin for the item bank: browse and filter test cases; the diff is derived, so read-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from braintrial.items.models import Item, ItemBank


@admin.register(ItemBank)
class ItemBankAdmin(admin.ModelAdmin):
    list_display = ("name", "is_public", "created_at")
    list_filter = ("is_public",)
    search_fields = ("name",)
    filter_horizontal = ("owners",)


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = (
        "__str__", "kind", "source", "abstract_id", "journal_section", "doi", "flawed", "version",
        "retirement",
    )  # fmt: skip
    list_filter = ("bank", "kind", "source", "journal_section", "retirement")
    search_fields = ("doi",)
    # Versions are made and retired in the dashboard (items.services.versions), audited there.
    readonly_fields = (
        "differences_table", "lineage", "version", "retired_at", "retirement", "combined",
        "created_at", "updated_at",
    )  # fmt: skip
    exclude = ("differences",)
    list_per_page = 50

    @admin.display(boolean=True, description="defect")
    def flawed(self, item: Item) -> bool:
        return bool(item.defect)

    @admin.display(description="differences (original → altered)")
    def differences_table(self, item: Item) -> str:
        if not item.differences:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            ((passage["original"], passage["altered"]) for passage in item.differences),
        )
        return format_html(
            "<table><thead><tr><th>original</th><th>altered</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )
