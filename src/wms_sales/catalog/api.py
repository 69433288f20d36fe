from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from wms_sales.common.api import require_perm
from wms_sales.common.schemas import Schema

from . import selectors, services

router = Router(tags=["products"])


class ProductIn(Schema):
    sku: str
    name: str
    unit: str = "pcs"
    list_price: Decimal = Decimal("0")
    quantity_precision: int = 0
    tax_rate_percent: Decimal = Decimal("0")
    active: bool = True


class ProductPatch(Schema):
    sku: str | None = None
    name: str | None = None
    unit: str | None = None
    list_price: Decimal | None = None
    quantity_precision: int | None = None
    tax_rate_percent: Decimal | None = None
    active: bool | None = None


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    unit: str
    list_price: Decimal
    quantity_precision: int
    tax_rate_percent: Decimal
    active: bool


@router.get("", response=list[ProductOut])
@require_perm("catalog.view_product")
@paginate
def list_products(request: HttpRequest, q: str = "", active: bool | None = None):
    return selectors.product_list(q=q, active=active)


@router.post("", response={201: ProductOut})
@require_perm("catalog.add_product")
def create_product(request: HttpRequest, payload: ProductIn):
    return Status(201, services.create_product(actor=request.user, **payload.dict()))


@router.get("/{product_id}", response=ProductOut)
@require_perm("catalog.view_product")
def get_product(request: HttpRequest, product_id: int):
    return selectors.product_detail(product_id)


@router.patch("/{product_id}", response=ProductOut)
@require_perm("catalog.change_product")
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch):
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.update_product(actor=request.user, product_id=product_id, **changes)
