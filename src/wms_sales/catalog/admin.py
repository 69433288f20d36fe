from django.contrib import admin

from .models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "unit", "list_price", "quantity_precision", "active")
    list_filter = ("active",)
    search_fields = ("sku", "name")
