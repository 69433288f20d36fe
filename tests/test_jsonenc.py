"""The fast encoders write byte for byte what Django's and ninja's write."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import RequestFactory
from django.utils.translation import gettext_lazy
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from wms_sales.common.jsonenc import FastDjangoJSONEncoder, FastJSONRenderer, FastNinjaJSONEncoder


class Money(Decimal):
    pass


CST = timezone(timedelta(hours=8))
PAYLOAD = {
    "decimals": [Decimal("1E+2"), Decimal("-0.50"), Decimal("3.14159265358979323846264338"),
                 Decimal("0"), Decimal("-0E-8"), Decimal("12345678901234567890.1234"),
                 Decimal("1e-7"), Money("9.990")],
    "datetimes": [datetime(2026, 12, 3, 13, 5, 7), datetime(2026, 12, 3, 13, 5, 7, 123456),
                  datetime(2026, 12, 3, 13, 5, 7, tzinfo=UTC),
                  datetime(2026, 12, 3, 13, 5, 7, 1, tzinfo=UTC),
                  datetime(2026, 12, 3, 21, 5, 7, 999999, tzinfo=CST)],
    "date": date(2026, 2, 28), "times": [time(8, 0), time(8, 0, 5, 250000)],
    "duration": timedelta(days=1, seconds=5, microseconds=7),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy": gettext_lazy("Sales order"), "text": "一批 \"quoted\"\n", "none": None,
    "nested": {"lines": [{"qty": Decimal("2.000"), "at": datetime(2026, 1, 1, tzinfo=UTC),
                          "tags": [1, 2.5, True, {"deep": [Decimal("-1E+3")]}]}] * 3},
}


@pytest.mark.parametrize("fast, stock", [(FastDjangoJSONEncoder, DjangoJSONEncoder),
                                         (FastNinjaJSONEncoder, NinjaJSONEncoder)])
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_the_fast_encoders_write_what_the_stock_ones_write(fast, stock, ensure_ascii):
    written = json.dumps(PAYLOAD, cls=fast, ensure_ascii=ensure_ascii)
    assert written == json.dumps(PAYLOAD, cls=stock, ensure_ascii=ensure_ascii)
    assert '"1E+2"' in written and '"9.990"' in written


@pytest.mark.parametrize("encoder", [FastDjangoJSONEncoder, FastNinjaJSONEncoder])
def test_what_json_cannot_hold_fails_as_before(encoder):
    with pytest.raises(ValueError, match="timezone-aware times"):
        json.dumps({"at": time(8, 0, tzinfo=UTC)}, cls=encoder)
    with pytest.raises(TypeError, match="not JSON serializable"):
        json.dumps({"x": object()}, cls=encoder)


def test_the_api_renders_with_the_fast_encoder():
    from wms_sales.api import api

    assert isinstance(api.renderer, FastJSONRenderer)
    request = RequestFactory().get("/")
    assert (api.renderer.render(request, PAYLOAD, response_status=200)
            == JSONRenderer().render(request, PAYLOAD, response_status=200))
