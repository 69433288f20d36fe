"""Error codes of accounts (users and API tokens): what the API answers in ``error.code``."""

from wms_sales.common.errors import ErrorCodes


class AccountError(ErrorCodes):
    """Users and API tokens."""

    DUPLICATE_USERNAME = "duplicate_username", 409, "A user with this username exists."
    TOKEN_NOT_FOUND = "token_not_found", 404, "No active API token matches."
