from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("web/_nav_item.html", takes_context=True)
def nav_item(context: dict[str, Any], target: str, label: str,
             section: str = "") -> dict[str, Any]:
    """A main-menu link marked current when the page belongs to its section.

    ``target`` is a URL name of this app (current when the page's URL name starts with
    ``section``, so "customer" covers the list, detail and address pages) or a plain path
    of another app (current for every page under it)."""
    request = context.get("request")
    if target.startswith("/"):
        return {"href": target, "label": label,
                "current": bool(request) and request.path.startswith(target)}
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match and match.namespace == "web" else ""
    section = section or target.split(":")[-1]
    return {"href": reverse(target), "label": label,
            "current": bool(current) and current.startswith(section)}
