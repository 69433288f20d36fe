from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "wms_sales.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_roles

        post_migrate.connect(sync_roles, sender=self)
