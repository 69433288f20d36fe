"""Reads of the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from wms_sales.common.errors import NotFound

from .documents import Lifecycle
from .models import DocumentTransition


def document_history(lifecycle: Lifecycle, document_id: int) -> QuerySet[DocumentTransition]:
    """A document's history, oldest first; 404 in the error shape for an unknown document."""
    if not lifecycle.model._default_manager.filter(pk=document_id).exists():
        raise NotFound(f"{lifecycle.noun} {document_id} does not exist.",
                       code=lifecycle.not_found_code)
    return (DocumentTransition.objects
            .filter(document_type=lifecycle.document_type, document_id=document_id)
            .select_related("actor").order_by("at", "id"))
