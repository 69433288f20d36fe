"""Error codes of catalog (products): what the API answers in ``error.code``."""

from wms_sales.common.errors import ErrorCodes


class CatalogError(ErrorCodes):
    """Products."""

    PRODUCT_NOT_FOUND = "product_not_found", 404, "No product with this id."
    DUPLICATE_SKU = "duplicate_sku", 409, "Another product has this SKU."
