"""Error codes of orders (sales orders and their review): what the API answers in ``error.code``."""

from wms_sales.common.errors import ErrorCodes


class OrderError(ErrorCodes):
    """Sales orders and their review."""

    ORDER_NOT_FOUND = "order_not_found", 404, "No sales order with this id."
    ORDER_NOT_RETURNABLE = "order_not_returnable", 409, (
        "Goods come back only against shipping or completed orders (details.status, "
        "details.returnable_statuses).")
    ORDER_NOT_EDITABLE = "order_not_editable", 409, "Only pending orders can be edited."
    CUSTOMER_BLOCKED = "customer_blocked", 409, "The customer is blocked and cannot order."
    CUSTOMER_INACTIVE = "customer_inactive", 409, "The customer is inactive and cannot order."
    CREDIT_LIMIT_EXCEEDED = "credit_limit_exceeded", 409, (
        "Approval would exceed the credit limit (details: credit_limit, exposure, excess).")
    SEGREGATION_OF_DUTIES = "segregation_of_duties", 403, (
        "The user who entered the order may not approve it.")
    EXCEEDS_OPEN_QUANTITY = "exceeds_open_quantity", 409, (
        "Shipping more than the order line still has open (details.lines).")
    EXCEEDS_SHIPPED_QUANTITY = "exceeds_shipped_quantity", 409, (
        "Returning more than the order line shipped (details.lines).")
