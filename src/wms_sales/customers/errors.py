"""Error codes of customers: what the API answers in ``error.code``."""

from wms_sales.common.errors import ErrorCodes


class CustomerError(ErrorCodes):
    """Customers and their addresses."""

    CUSTOMER_NOT_FOUND = "customer_not_found", 404, "No customer with this id."
    ADDRESS_NOT_FOUND = "address_not_found", 404, "The customer has no address with this id."
    DUPLICATE_CODE = "duplicate_code", 409, "Another customer has this code (details.field)."
    CUSTOMER_HAS_DOCUMENTS = "customer_has_documents", 409, (
        "The customer has documents and cannot be deleted; deactivate it instead.")
    INTEGRITY_ERROR = "integrity_error", 409, "The change conflicts with existing data."
