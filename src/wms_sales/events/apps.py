from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "wms_sales.events"
    label = "events"
