from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from wms_sales.common.actors import Actor
from wms_sales.common.errors import Conflict, NotFound, ValidationFailed
from wms_sales.common.validation import full_clean_or_422

from .errors import CatalogError
from .models import Product

PRODUCT_FIELDS = ("sku", "name", "unit", "list_price", "quantity_precision",
                  "tax_rate_percent", "active")


def _save(product: Product) -> Product:
    full_clean_or_422(product)
    if Product.objects.filter(sku=product.sku).exclude(pk=product.pk).exists():
        raise Conflict(f"SKU {product.sku!r} is already taken.", code=CatalogError.DUPLICATE_SKU,
                       details={"field": "sku"})
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        raise Conflict(f"SKU {product.sku!r} is already taken.", code=CatalogError.DUPLICATE_SKU,
                       details={"field": "sku"}) from exc
    return product


@transaction.atomic
def create_product(*, actor: Actor, **fields: Any) -> Product:
    data = {k: v for k, v in fields.items() if k in PRODUCT_FIELDS and v is not None}
    data["sku"] = (data.get("sku") or "").strip()
    data["name"] = (data.get("name") or "").strip()
    return _save(Product(**data))


@transaction.atomic
def update_product(*, actor: Actor, product_id: int, **changes: Any) -> Product:
    try:
        product = Product.objects.select_for_update().get(pk=product_id)
    except Product.DoesNotExist:
        raise NotFound(f"Product {product_id} does not exist.",
                       code=CatalogError.PRODUCT_NOT_FOUND) from None
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationFailed({name: "Unknown field." for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(product, name, value.strip() if isinstance(value, str) else value)
    return _save(product)


def import_products(products: list[Product], *, actor: Actor) -> int:
    """Products checked by the caller (``full_clean``, SKUs not taken), inserted in one
    statement inside the caller's transaction: the onboarding import's bulk path."""
    Product.objects.bulk_create(products)
    return len(products)
