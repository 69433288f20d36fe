"""Error codes of onboarding: what the API answers in ``error.code``."""

from wms_sales.common.errors import ErrorCodes


class OnboardingError(ErrorCodes):
    """File imports and exports (web UI and CLI)."""

    UNKNOWN_KIND = "unknown_kind", 404, "No such list to import or export."
    BAD_IMPORT_FILE = "bad_import_file", 400, "The file cannot be read as CSV or XLSX."
    IMPORT_CONFLICT = "import_conflict", 409, (
        "A concurrent change collided with the import; nothing was imported.")
