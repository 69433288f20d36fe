from __future__ import annotations

from django.db.models import Q, QuerySet

from wms_sales.common.errors import NotFound

from .errors import CatalogError
from .models import Product


def product_list(*, q: str = "", active: bool | None = None) -> QuerySet[Product]:
    qs = Product.objects.all()
    if q:
        qs = qs.filter(Q(sku__icontains=q.strip()) | Q(name__icontains=q.strip()))
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def product_detail(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(f"Product {product_id} does not exist.", code=CatalogError.PRODUCT_NOT_FOUND)
    return product
