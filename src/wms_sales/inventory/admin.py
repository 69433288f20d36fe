from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .models import StockLevel, StockMove, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin[Warehouse]):
    list_display = ("code", "name", "active", "is_default")
    search_fields = ("code", "name")


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Stock changes go through the services (ledger + level together), never the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ("product", "warehouse", "on_hand", "reserved", "updated_at")
    list_filter = ("warehouse",)
    search_fields = ("product__sku", "product__name")


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "product", "warehouse", "quantity", "balance_after", "reason",
                    "source_ref", "actor")
    list_filter = ("reason", "warehouse")
    search_fields = ("product__sku", "source_ref")
