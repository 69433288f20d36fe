from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from wms_sales.common.errors import NotFound
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.lifecycle.selectors import document_history

from .errors import CustomerError
from .models import Customer, CustomerAddress
from .states import CUSTOMER_LIFE


def customer_list(*, q: str = "", status: str | None = None) -> QuerySet[Customer]:
    """Search by code, name or phone (substring, case-insensitive)."""
    qs = Customer.objects.all()
    if q:
        q = q.strip()
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(phone__icontains=q))
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related(
        Prefetch("addresses", queryset=CustomerAddress.objects.order_by("-is_default", "id")))


def number_or_customer(text: str, customer: str = "customer") -> Q:
    """A document list's free-text search: the document's number or its customer's code or
    name (``customer`` is the path to the customer, e.g. ``order__customer``)."""
    text = text.strip()
    return (Q(number__icontains=text) | Q(**{f"{customer}__code__icontains": text})
            | Q(**{f"{customer}__name__icontains": text}))


def customer_detail(customer_id: int) -> Customer:
    customer = customer_list().filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.",
                       code=CustomerError.CUSTOMER_NOT_FOUND)
    return customer


def customer_history(document_id: int) -> QuerySet[DocumentTransition]:
    return document_history(CUSTOMER_LIFE, document_id)
