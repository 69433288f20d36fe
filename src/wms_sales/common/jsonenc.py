"""JSON encoders that write exactly what Django's and ninja's do, faster for documents.

The C encoder calls ``default()`` for every value JSON has no type for; a 1,000-line document
has tens of thousands of Decimals, and the stock ``default()`` of ninja tries a dozen
``isinstance`` checks (pydantic's ABC among them) before reaching Decimal. Here an exact
Decimal is answered first, as Django answers it (``str``); anything else goes the stock way."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


class _DecimalFirst(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if type(o) is Decimal:  # exact type: a subclass may encode itself otherwise
            return str(o)
        return super().default(o)


class FastDjangoJSONEncoder(_DecimalFirst, DjangoJSONEncoder):
    """``DjangoJSONEncoder``'s output (e.g. for ``JSONField(encoder=…)``)."""


class FastNinjaJSONEncoder(_DecimalFirst, NinjaJSONEncoder):
    """``NinjaJSONEncoder``'s output: how the API renders every answer."""


class FastJSONRenderer(JSONRenderer):
    """ninja's renderer with the faster encoder: the same bytes for every answer."""

    encoder_class = FastNinjaJSONEncoder
