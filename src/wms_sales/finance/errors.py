"""Error codes of finance: what the API answers in ``error.code``."""

from wms_sales.common.errors import ErrorCodes


class FinanceError(ErrorCodes):
    """Invoices, credit notes and payments."""

    INVOICE_NOT_FOUND = "invoice_not_found", 404, "No invoice with this id."
    CREDIT_NOTE_NOT_FOUND = "credit_note_not_found", 404, "No credit note with this id."
    PAYMENT_NOT_FOUND = "payment_not_found", 404, "No payment with this id."
    ALLOCATION_NOT_FOUND = "allocation_not_found", 404, (
        "The payment has no allocation with this id.")
