from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/deactivate/", views.customer_deactivate,
         name="customer_deactivate"),
    path("customers/<int:pk>/addresses/", views.customer_address_add,
         name="customer_address_add"),
    path("customers/<int:pk>/addresses/<int:address_id>/", views.customer_address_edit,
         name="customer_address_edit"),
    path("customers/<int:pk>/addresses/<int:address_id>/delete/",
         views.customer_address_delete, name="customer_address_delete"),
    path("customers/<int:pk>/addresses/<int:address_id>/default/",
         views.customer_address_default, name="customer_address_default"),
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_edit, name="product_edit"),
    path("warehouses/", views.warehouse_list, name="warehouse_list"),
    path("warehouses/new/", views.warehouse_create, name="warehouse_create"),
    path("warehouses/<int:pk>/", views.warehouse_edit, name="warehouse_edit"),
    path("stock/", views.stock_levels, name="stock_levels"),
    path("stock/receive/", views.stock_change, name="stock_change"),
    path("stock/count/", views.stock_count, name="stock_count"),
    path("stock/ledger/", views.ledger, name="ledger"),
]
