from django.contrib import admin

from .models import Customer, CustomerAddress


class AddressInline(admin.TabularInline):
    model = CustomerAddress
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "phone", "credit_limit", "status", "updated_at")
    list_filter = ("status", "payment_method")
    search_fields = ("code", "name", "phone")
    inlines = [AddressInline]
