from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data: the master data a newcomer clicks through, and a generated sales history
    at any scale for the reports and their benchmark."""

    name = "wms_sales.demo"
    label = "demo"
