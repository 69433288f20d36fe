from django.urls import path, re_path

from . import views
from .files import FORMATS
from .kinds import KINDS

app_name = "onboarding"
urlpatterns = [
    path("", views.index, name="index"),
    re_path(rf"^export/(?P<kind>{'|'.join(KINDS)})\.(?P<fmt>{'|'.join(FORMATS)})$",
            views.export, name="export"),
]
