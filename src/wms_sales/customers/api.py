from datetime import datetime
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate
from pydantic import Field

from wms_sales.common.api import require_perm
from wms_sales.common.schemas import Schema
from wms_sales.lifecycle.schemas import HistoryEntryOut

from . import selectors, services
from .models import MAX_PAYMENT_TERMS_DAYS, CustomerStatus, PaymentMethod

PaymentTermsDays = Annotated[int, Field(ge=0, le=MAX_PAYMENT_TERMS_DAYS)]

router = Router(tags=["customers"])


class AddressIn(Schema):
    label: str = ""
    recipient: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    line: str
    postal_code: str = ""
    is_default: bool = False


class AddressPatch(Schema):
    label: str | None = None
    recipient: str | None = None
    phone: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    line: str | None = None
    postal_code: str | None = None
    is_default: bool | None = None


class AddressOut(AddressIn):
    id: int


class CustomerIn(Schema):
    code: str | None = None
    name: str
    phone: str = ""
    email: str = ""
    contact_person: str = ""
    credit_limit: Decimal | None = None
    payment_terms_days: PaymentTermsDays = 30
    payment_method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    status: CustomerStatus = CustomerStatus.ACTIVE
    notes: str = ""
    addresses: list[AddressIn] = []


class CustomerPatch(Schema):
    code: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    contact_person: str | None = None
    credit_limit: Decimal | None = None
    payment_terms_days: PaymentTermsDays | None = None
    payment_method: PaymentMethod | None = None
    status: CustomerStatus | None = None
    notes: str | None = None


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    phone: str
    email: str
    contact_person: str
    credit_limit: Decimal | None
    payment_terms_days: int
    payment_method: str
    status: str
    notes: str
    addresses: list[AddressOut]
    created_at: datetime
    updated_at: datetime


@router.get("", response=list[CustomerOut])
@require_perm("customers.view_customer")
@paginate
def list_customers(request: HttpRequest, q: str = "", status: CustomerStatus | None = None):
    return selectors.customer_list(q=q, status=status)


@router.post("", response={201: CustomerOut})
@require_perm("customers.add_customer")
def create_customer(request: HttpRequest, payload: CustomerIn):
    data = payload.dict()
    addresses = data.pop("addresses")
    customer = services.create_customer(actor=request.user, addresses=addresses, **data)
    return Status(201, selectors.customer_detail(customer.pk))


@router.get("/{customer_id}", response=CustomerOut)
@require_perm("customers.view_customer")
def get_customer(request: HttpRequest, customer_id: int):
    return selectors.customer_detail(customer_id)


@router.get("/{customer_id}/history", response=list[HistoryEntryOut])
@require_perm("customers.view_customer")
@paginate
def customer_history(request: HttpRequest, customer_id: int):
    """The customer's status changes (created, activated, deactivated, blocked), oldest
    first."""
    return selectors.customer_history(customer_id)


@router.patch("/{customer_id}", response=CustomerOut)
@require_perm("customers.change_customer")
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch):
    # Fields left out are unchanged; credit_limit sent as null means "no limit".
    changes = payload.dict(exclude_unset=True)
    services.update_customer(actor=request.user, customer_id=customer_id, **changes)
    return selectors.customer_detail(customer_id)


@router.post("/{customer_id}/deactivate", response=CustomerOut)
@require_perm("customers.change_customer")
def deactivate_customer(request: HttpRequest, customer_id: int):
    services.deactivate_customer(actor=request.user, customer_id=customer_id)
    return selectors.customer_detail(customer_id)


@router.delete("/{customer_id}", response={204: None})
@require_perm("customers.delete_customer")
def delete_customer(request: HttpRequest, customer_id: int):
    services.delete_customer(actor=request.user, customer_id=customer_id)
    return Status(204, None)


@router.post("/{customer_id}/addresses", response={201: AddressOut})
@require_perm("customers.change_customer")
def add_address(request: HttpRequest, customer_id: int, payload: AddressIn):
    address = services.add_address(actor=request.user, customer_id=customer_id,
                                   **payload.dict())
    return Status(201, address)


@router.patch("/{customer_id}/addresses/{address_id}", response=AddressOut)
@require_perm("customers.change_customer")
def update_address(request: HttpRequest, customer_id: int, address_id: int,
                   payload: AddressPatch):
    return services.update_address(actor=request.user, customer_id=customer_id,
                                   address_id=address_id, **payload.dict(exclude_unset=True))


@router.delete("/{customer_id}/addresses/{address_id}", response={204: None})
@require_perm("customers.change_customer")
def delete_address(request: HttpRequest, customer_id: int, address_id: int):
    services.delete_address(actor=request.user, customer_id=customer_id, address_id=address_id)
    return Status(204, None)
