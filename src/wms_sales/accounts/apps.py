from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "wms_sales.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_roles

        # Every app's post_migrate: permissions of apps after this one exist only then.
        post_migrate.connect(sync_roles, dispatch_uid="wms_sales.sync_roles")
