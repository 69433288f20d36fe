from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import health
from .api import api

urlpatterns = [
    path("health", health.live, name="health"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    # Django's conventional login address, where people and tools look first.
    path("accounts/login/", RedirectView.as_view(pattern_name="web:login", query_string=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("onboarding/", include("wms_sales.onboarding.urls")),
    path("", include("wms_sales.web.urls")),
]
