"""Error codes of returns (returns): what the API answers in ``error.code``."""

from wms_sales.common.errors import ErrorCodes


class ReturnError(ErrorCodes):
    """Returns."""

    RETURN_NOT_FOUND = "return_not_found", 404, "No return with this id."
