from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, QuerySet

from wms_sales.common.errors import NotFound
from wms_sales.customers.selectors import number_or_customer
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.lifecycle.selectors import document_history

from .errors import ReturnError
from .models import ReturnLine, SalesReturn
from .states import RETURN_LIFE


def return_list(*, status: str | None = None, order_id: int | None = None,
                customer_id: int | None = None, number: str = "",
                date_from: date | None = None, date_to: date | None = None, q: str = ""
                ) -> QuerySet[SalesReturn]:
    qs = SalesReturn.objects.select_related("order__customer", "credit_note", "requested_by",
                                            "reviewed_by", "received_by", "warehouse")
    if status:
        qs = qs.filter(status=status)
    if order_id:
        qs = qs.filter(order_id=order_id)
    if customer_id:
        qs = qs.filter(order__customer_id=customer_id)
    if number:
        qs = qs.filter(number__icontains=number.strip())
    if q.strip():
        qs = qs.filter(number_or_customer(q, "order__customer"))
    if date_from:
        qs = qs.filter(requested_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(requested_at__date__lte=date_to)
    return qs.order_by("-id")


def return_detail(return_id: int) -> SalesReturn:
    # The lines with their order line, product and warehouse in one query (not one per
    # level).
    lines = Prefetch("lines", ReturnLine.objects.select_related("order_line__product",
                                                                 "order_line__warehouse"))
    sales_return = return_list().prefetch_related(lines).filter(pk=return_id).first()
    if sales_return is None:
        raise NotFound(f"Return {return_id} does not exist.", code=ReturnError.RETURN_NOT_FOUND)
    return sales_return


def return_history(document_id: int) -> QuerySet[DocumentTransition]:
    return document_history(RETURN_LIFE, document_id)
