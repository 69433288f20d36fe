from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentTransition(models.Model):
    """The audit trail of every document (DESIGN.md §2 "Audit"): each change of its life with
    who, when, from → to and why. One table for all document types, append-only."""

    document_type = models.CharField(_("document type"), max_length=30)
    document_id = models.BigIntegerField(_("document id"))
    event = models.CharField(_("event"), max_length=30)  # e.g. "approved", "allocated"
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="+", verbose_name=_("by"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # A default, not auto_now_add: the migration of the orders' old history keeps its times.
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["document_type", "document_id", "at", "id"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        indexes = [models.Index(fields=["document_type", "document_id", "at"],
                                name="document_history_idx")]

    def __str__(self) -> str:
        return (f"{self.document_type} {self.document_id}: "
                f"{self.from_status or '∅'} → {self.to_status}")
