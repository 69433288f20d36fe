from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from wms_sales.common.api import require_perm
from wms_sales.common.schemas import Schema

from . import selectors, services
from .models import MoveReason, StockLevel, StockMove, Warehouse
from .schemas import ProductInWarehouseOut

warehouses_router = Router(tags=["warehouses"])
stock_router = Router(tags=["stock"])


class WarehouseIn(Schema):
    code: str
    name: str
    address: str = ""
    active: bool = True
    is_default: bool = False


class WarehousePatch(Schema):
    code: str | None = None
    name: str | None = None
    address: str | None = None
    active: bool | None = None
    is_default: bool | None = None


class WarehouseOut(WarehouseIn):
    id: int


class StockLevelOut(ProductInWarehouseOut):
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    updated_at: datetime


class StockMoveOut(Schema):
    id: int
    product_id: int
    sku: str
    warehouse_id: int
    warehouse_code: str
    quantity: Decimal
    balance_after: Decimal
    reason: str
    source_type: str
    source_id: int | None
    source_ref: str
    note: str
    actor: str | None
    created_at: datetime

    @staticmethod
    def resolve_sku(obj: StockMove) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_warehouse_code(obj: StockMove) -> str:
        return obj.warehouse.code

    @staticmethod
    def resolve_actor(obj: StockMove) -> str | None:
        return obj.actor.username if obj.actor else None


class StockChangeIn(Schema):
    product_id: int
    warehouse_id: int
    quantity: Decimal
    reason: MoveReason = MoveReason.RECEIPT
    note: str = ""
    source_ref: str = ""


class StockCountIn(Schema):
    product_id: int
    warehouse_id: int
    counted: Decimal
    note: str


@warehouses_router.get("", response=list[WarehouseOut])
@require_perm("inventory.view_warehouse")
@paginate
def list_warehouses(request: HttpRequest, active: bool | None = None) -> QuerySet[Warehouse]:
    return selectors.warehouse_list(active=active)


@warehouses_router.post("", response={201: WarehouseOut})
@require_perm("inventory.add_warehouse")
def create_warehouse(request: HttpRequest, payload: WarehouseIn) -> Status[Warehouse]:
    return Status(201, services.create_warehouse(actor=request.user, **payload.dict()))


@warehouses_router.get("/{warehouse_id}", response=WarehouseOut)
@require_perm("inventory.view_warehouse")
def get_warehouse(request: HttpRequest, warehouse_id: int) -> Warehouse:
    return selectors.warehouse_detail(warehouse_id)


@warehouses_router.patch("/{warehouse_id}", response=WarehouseOut)
@require_perm("inventory.change_warehouse")
def update_warehouse(request: HttpRequest, warehouse_id: int, payload: WarehousePatch) -> Warehouse:
    return services.update_warehouse(actor=request.user, warehouse_id=warehouse_id,
                                     **payload.dict(exclude_unset=True))


@stock_router.get("", response=list[StockLevelOut])
@require_perm("inventory.view_stocklevel")
@paginate
def list_stock(request: HttpRequest, product_id: int | None = None,
               warehouse_id: int | None = None, q: str = "") -> QuerySet[StockLevel]:
    return selectors.stock_levels(product_id=product_id, warehouse_id=warehouse_id, q=q)


@stock_router.get("/moves", response=list[StockMoveOut])
@require_perm("inventory.view_stockmove")
@paginate
def list_moves(request: HttpRequest, product_id: int | None = None,
               warehouse_id: int | None = None, since: datetime | None = None,
               until: datetime | None = None,
               reason: MoveReason | None = None) -> QuerySet[StockMove]:
    return selectors.stock_moves(product_id=product_id, warehouse_id=warehouse_id, since=since,
                                 until=until, reason=reason)


@stock_router.post("/moves", response={201: StockMoveOut})
@require_perm("inventory.add_stockmove")
def record_stock_change(request: HttpRequest, payload: StockChangeIn) -> Status[StockMove]:
    """Receive stock (reason `receipt`/`opening`) or correct it (`adjustment`/`write_off`)."""
    return Status(201, services.record_stock_change(actor=request.user, **payload.dict()))


@stock_router.post("/counts", response={201: StockMoveOut, 200: None})
@require_perm("inventory.add_stockmove")
def count_stock(request: HttpRequest, payload: StockCountIn) -> Status[StockMove | None]:
    """Stocktake: post the difference between the counted and the booked quantity."""
    move = services.count_stock(actor=request.user, **payload.dict())
    return Status(201, move) if move else Status(200, None)
