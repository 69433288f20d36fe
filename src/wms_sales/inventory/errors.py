"""Error codes of inventory: what the API answers in ``error.code``."""

from wms_sales.common.errors import ErrorCodes


class InventoryError(ErrorCodes):
    """Warehouses, stock levels and reservations."""

    WAREHOUSE_NOT_FOUND = "warehouse_not_found", 404, "No warehouse with this id."
    DUPLICATE_CODE = "duplicate_code", 409, "Another warehouse has this code (details.field)."
    INSUFFICIENT_STOCK = "insufficient_stock", 409, (
        "Not enough unreserved stock (details name the lines or the level).")
    INSUFFICIENT_RESERVATION = "insufficient_reservation", 409, (
        "Less is reserved for the order than the document takes (details.lines).")
