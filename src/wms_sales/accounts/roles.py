"""Roles are Django groups with the permissions their names suggest; kept in step on migrate."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

ADMIN, SALES, REVIEWER, WAREHOUSE, FINANCE = "admin", "sales", "reviewer", "warehouse", "finance"
ROLES = (ADMIN, SALES, REVIEWER, WAREHOUSE, FINANCE)

# app_label -> codenames. The "view" permissions let every role read master data.
_READ_MASTER = [
    "customers.view_customer",
    "catalog.view_product",
    "inventory.view_warehouse",
    "inventory.view_stocklevel",
    "inventory.view_stockmove",
    "orders.view_salesorder",
    "outbound.view_outbound",
    "returns.view_salesreturn",
    "reports.view_reports",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SALES: [*_READ_MASTER, "customers.add_customer", "customers.change_customer",
            "orders.add_salesorder", "orders.change_salesorder", "orders.cancel_salesorder",
            "orders.close_salesorder", "finance.view_invoice", "finance.view_payment",
            "finance.view_creditnote", "returns.add_salesreturn"],
    REVIEWER: [*_READ_MASTER, "orders.review_salesorder", "orders.close_salesorder",
               "finance.view_invoice", "finance.view_payment", "finance.view_creditnote",
               "returns.review_salesreturn"],
    WAREHOUSE: [*_READ_MASTER, "inventory.add_warehouse", "inventory.change_warehouse",
                "inventory.add_stockmove", "catalog.add_product", "catalog.change_product",
                "outbound.add_outbound", "outbound.change_outbound", "outbound.post_outbound",
                "returns.receive_salesreturn"],
    FINANCE: [*_READ_MASTER, "customers.change_customer", "customers.change_credit_limit",
              "finance.view_invoice", "finance.view_payment", "finance.add_payment",
              "finance.view_creditnote", "finance.change_creditnote"],
}


def sync_roles(**_kwargs) -> None:
    """Create the role groups and set their permissions (admin gets every permission)."""
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        if role == ADMIN:
            group.permissions.set(Permission.objects.all())
            continue
        wanted = []
        for dotted in ROLE_PERMISSIONS[role]:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label,
                                             codename=codename).first()
            if perm is not None:  # a later app's permission may not exist yet mid-migrate
                wanted.append(perm)
        group.permissions.set(wanted)
