"""Error codes of outbound (outbound documents): what the API answers in ``error.code``."""

from wms_sales.common.errors import ErrorCodes


class OutboundError(ErrorCodes):
    """Outbound documents."""

    OUTBOUND_NOT_FOUND = "outbound_not_found", 404, "No outbound with this id."
