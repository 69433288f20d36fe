from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "wms_sales.onboarding"
    label = "onboarding"
