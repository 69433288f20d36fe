"""A customer's status as a life: any status may follow any other (who may block or un-block
is a permission, see services.require_credit_permission); each change is a history row."""

from __future__ import annotations

from wms_sales.lifecycle.documents import Lifecycle

from .errors import CustomerError
from .models import Customer, CustomerStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(set(CustomerStatus.values) - {status}) for status in CustomerStatus.values}

CUSTOMER_LIFE: Lifecycle[Customer] = Lifecycle(
    model=Customer, document_type="customer", event_prefix="customer", label="customer",
    noun="Customer", not_found_code=CustomerError.CUSTOMER_NOT_FOUND, transitions=TRANSITIONS)
