"""Write use cases for customers: each one transaction, validated, stamped with the actor."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError

from wms_sales.common.actors import Actor, is_system, user_of
from wms_sales.common.errors import Conflict, NotFound, ValidationFailed
from wms_sales.common.numbering import master_code
from wms_sales.common.permissions import check_perm
from wms_sales.common.validation import full_clean_or_422

from .errors import CustomerError
from .models import Customer, CustomerAddress, CustomerStatus
from .states import CUSTOMER_LIFE

CUSTOMER_FIELDS = ("code", "name", "phone", "email", "contact_person", "credit_limit",
                   "payment_terms_days", "payment_method", "status", "notes")
ADDRESS_FIELDS = ("label", "recipient", "phone", "province", "city", "district", "line",
                  "postal_code", "is_default")


CREDIT_PERMISSION = "customers.change_credit_limit"


def require_credit_permission(actor: Actor, *, credit_limit: Any = None,
                              old_status: str | None = None, new_status: str | None = None,
                              limit_changed: bool = False) -> None:
    """Credit decisions belong to finance: setting or changing a credit limit, and blocking or
    un-blocking a customer, need ``change_credit_limit`` whoever creates or edits the customer,
    through the API, a web form or an import. The system (CLI, demo data) may."""
    if is_system(actor):
        return
    blocked = CustomerStatus.BLOCKED
    touches_block = old_status != new_status and blocked in (old_status, new_status)
    if limit_changed or credit_limit is not None or touches_block:
        check_perm(actor, CREDIT_PERMISSION)


def _unused_customer_code() -> str:
    while True:  # skips codes someone already typed by hand
        code = master_code("CUS")
        if not Customer.objects.filter(code=code).exists():
            return code


def _save_unique(instance: models.Model) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        if isinstance(instance, Customer) and Customer.objects.filter(
                code=instance.code).exclude(pk=instance.pk).exists():
            raise Conflict(f"Customer code {instance.code!r} is already taken.",
                           code=CustomerError.DUPLICATE_CODE, details={"field": "code"}) from exc
        raise Conflict("The change conflicts with existing data.",
                       code=CustomerError.INTEGRITY_ERROR,
                       details={"reason": str(exc)}) from exc


@transaction.atomic
def create_customer(*, actor: Actor, addresses: list[dict] | None = None,
                    **fields: Any) -> Customer:
    data = {k: v for k, v in fields.items() if k in CUSTOMER_FIELDS and v is not None}
    data["code"] = (data.get("code") or "").strip() or _unused_customer_code()
    data["name"] = (data.get("name") or "").strip()
    if Customer.objects.filter(code=data["code"]).exists():
        raise Conflict(f"Customer code {data['code']!r} is already taken.",
                       code=CustomerError.DUPLICATE_CODE, details={"field": "code"})
    customer = Customer(**data, created_by=user_of(actor), updated_by=user_of(actor))
    full_clean_or_422(customer)
    require_credit_permission(actor, credit_limit=customer.credit_limit,
                              old_status=CustomerStatus.ACTIVE, new_status=customer.status)
    _save_unique(customer)
    CUSTOMER_LIFE.created(customer, actor=actor)
    addresses = addresses or []
    if addresses and not any(a.get("is_default") for a in addresses):
        addresses[0] = {**addresses[0], "is_default": True}
    for index, address in enumerate(addresses):
        _add_address(customer, address, field_prefix=f"addresses[{index}].")
    return customer


@transaction.atomic
def update_customer(*, actor: Actor, customer_id: int, **changes: Any) -> Customer:
    customer = CUSTOMER_LIFE.lock(customer_id)
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationFailed({name: "Unknown field." for name in sorted(unknown)})
    require_credit_permission(
        actor, old_status=customer.status, new_status=changes.get("status", customer.status),
        limit_changed="credit_limit" in changes
        and _as_decimal(changes["credit_limit"]) != customer.credit_limit)
    if "code" in changes:
        changes["code"] = (changes["code"] or "").strip()
        if not changes["code"]:
            raise ValidationFailed({"code": "This field cannot be blank."})
        if Customer.objects.filter(code=changes["code"]).exclude(pk=customer.pk).exists():
            raise Conflict(f"Customer code {changes['code']!r} is already taken.",
                           code=CustomerError.DUPLICATE_CODE, details={"field": "code"})
    if "name" in changes and changes["name"] is not None:
        changes["name"] = changes["name"].strip()
    from_status = customer.status
    for name, value in changes.items():
        setattr(customer, name, value)
    customer.updated_by = user_of(actor)
    full_clean_or_422(customer)
    if customer.status != from_status:
        CUSTOMER_LIFE.check(from_status, customer.status)
    _save_unique(customer)
    if customer.status != from_status:
        CUSTOMER_LIFE.record(customer, from_status=from_status, to_status=customer.status,
                             actor=actor, event=_STATUS_EVENTS.get(customer.status, "changed"))
    return customer


_STATUS_EVENTS: dict[str, str] = {
    CustomerStatus.ACTIVE: "activated", CustomerStatus.INACTIVE: "deactivated",
    CustomerStatus.BLOCKED: "blocked"}


def _as_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def deactivate_customer(*, actor: Actor, customer_id: int) -> Customer:
    """Customers are deactivated, never lost: history keeps pointing at them."""
    return update_customer(actor=actor, customer_id=customer_id, status=CustomerStatus.INACTIVE)


@transaction.atomic
def delete_customer(*, actor: Actor, customer_id: int) -> None:
    """Hard delete, allowed only while no document refers to the customer."""
    customer = CUSTOMER_LIFE.lock(customer_id)
    try:
        with transaction.atomic():
            customer.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise Conflict("The customer has documents and cannot be deleted; deactivate it instead.",
                       code=CustomerError.CUSTOMER_HAS_DOCUMENTS) from exc


def _add_address(customer: Customer, data: dict, field_prefix: str = "") -> CustomerAddress:
    values = {k: v for k, v in data.items() if k in ADDRESS_FIELDS and v is not None}
    address = CustomerAddress(customer=customer, **values)
    try:
        full_clean_or_422(address, exclude=["customer"])
    except ValidationFailed as exc:
        fields = exc.details["fields"]
        raise ValidationFailed({field_prefix + k: v for k, v in fields.items()}) from exc
    if address.is_default:
        customer.addresses.filter(is_default=True).update(is_default=False)
    elif not customer.addresses.filter(is_default=True).exists():
        address.is_default = True  # the first address is the default delivery address
    address.save()
    return address


@transaction.atomic
def add_address(*, actor: Actor, customer_id: int, **data: Any) -> CustomerAddress:
    customer = CUSTOMER_LIFE.lock(customer_id)
    address = _add_address(customer, data)
    Customer.objects.filter(pk=customer.pk).update(updated_by=user_of(actor))
    return address


def _address_of(customer: Customer, address_id: int) -> CustomerAddress:
    try:
        return customer.addresses.get(pk=address_id)
    except CustomerAddress.DoesNotExist:
        raise NotFound(f"Address {address_id} does not belong to customer {customer.code}.",
                       code=CustomerError.ADDRESS_NOT_FOUND) from None


@transaction.atomic
def update_address(*, actor: Actor, customer_id: int, address_id: int,
                   **changes: Any) -> CustomerAddress:
    customer = CUSTOMER_LIFE.lock(customer_id)
    address = _address_of(customer, address_id)
    if changes.get("is_default") is False and address.is_default:
        raise ValidationFailed({"is_default": "Choose another default address instead."})
    for name, value in changes.items():
        if name in ADDRESS_FIELDS and value is not None:
            setattr(address, name, value)
    full_clean_or_422(address, exclude=["customer"])
    if changes.get("is_default"):
        customer.addresses.exclude(pk=address.pk).filter(is_default=True).update(is_default=False)
    address.save()
    Customer.objects.filter(pk=customer.pk).update(updated_by=user_of(actor))
    return address


@transaction.atomic
def delete_address(*, actor: Actor, customer_id: int, address_id: int) -> None:
    customer = CUSTOMER_LIFE.lock(customer_id)
    address = _address_of(customer, address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = customer.addresses.order_by("id").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])
    Customer.objects.filter(pk=customer.pk).update(updated_by=user_of(actor))


def import_customers(rows: list[tuple[Customer, CustomerAddress | None]], *,
                     actor: Actor) -> int:
    """Customers checked by the caller (``full_clean``, codes not taken), each with its
    optional default address, inserted in two statements inside the caller's transaction: the
    onboarding import's bulk path. A credit limit or status needs the same permission as in
    ``create_customer``."""
    for customer, _address in rows:
        require_credit_permission(actor, credit_limit=customer.credit_limit,
                                  old_status=CustomerStatus.ACTIVE, new_status=customer.status)
    customers = [customer for customer, _address in rows]
    for customer in customers:
        customer.created_by = customer.updated_by = user_of(actor)
    Customer.objects.bulk_create(customers)
    # Backends that cannot return ids from a bulk insert (MySQL) are asked by code.
    ids = {} if all(c.pk for c in customers) else dict(
        Customer.objects.filter(code__in=[c.code for c in customers])
        .values_list("code", "pk"))
    addresses = []
    for customer, address in rows:
        if address is not None:
            address.customer_id = customer.pk or ids[customer.code]
            addresses.append(address)
    CustomerAddress.objects.bulk_create(addresses)
    return len(rows)
