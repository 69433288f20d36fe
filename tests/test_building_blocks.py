"""The typed building blocks of common: the field-error collector and the priced line."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

import pytest

from wms_sales.common.errors import ValidationFailed
from wms_sales.common.money import PricedLine, line_amounts, price_line
from wms_sales.common.validation import FieldErrors
from wms_sales.finance.api import InvoiceLineOut


def test_field_errors_collect_every_message_and_raise_one_422():
    errors = FieldErrors()
    assert not errors
    errors.raise_if_any()  # nothing collected: nothing raised
    errors.add("lines[0].quantity", "Must be greater than zero.")
    errors.add("lines[0].quantity", "At most 2 decimal places.")
    errors.add_all({"good_quantity": ["Not a number."]}, prefix="lines[1].")
    assert errors
    with pytest.raises(ValidationFailed) as raised:
        errors.raise_if_any()
    assert raised.value.status == 422
    assert raised.value.as_dict() == {"error": {
        "code": "validation_error",
        "message": "lines[0].quantity: Must be greater than zero. At most 2 decimal places.; "
                   "lines[1].good_quantity: Not a number.",
        "details": {"fields": {
            "lines[0].quantity": ["Must be greater than zero.", "At most 2 decimal places."],
            "lines[1].good_quantity": ["Not a number."]}}}}


@pytest.mark.parametrize(("quantity", "price", "discount", "tax", "net", "tax_amount"), [
    ("3", "0.335", "0", "0", "1.01", "0.00"),  # 1.005 rounds half-up, not to even
    ("1", "10.00", "12.5", "13", "8.75", "1.14"),  # tax from the rounded net: 1.1375 → 1.14
    ("0.125", "0.04", "0", "6", "0.01", "0.00"),  # 0.005 → 0.01
    ("7", "99999999.99", "33.333", "9", "466668999.95", "42000210.00"),  # 9% of …9.9533
])
def test_a_priced_line_is_line_amounts_to_the_cent(quantity, price, discount, tax, net,
                                                   tax_amount):
    line = price_line(sku="S", description="d", unit="个", quantity=Decimal(quantity),
                      unit_price=Decimal(price), discount_percent=Decimal(discount),
                      tax_rate_percent=Decimal(tax))
    amounts = line_amounts(Decimal(quantity), Decimal(price), Decimal(discount), Decimal(tax))
    assert (line.net_amount, line.tax_amount) == (Decimal(net), Decimal(tax_amount))
    assert (line.net_amount, line.tax_amount, line.total_amount) == (
        amounts.net, amounts.tax, amounts.total)
    assert str(line.net_amount) == net and str(line.tax_amount) == tax_amount


def test_the_api_invoice_line_is_the_priced_line_plus_its_number():
    assert list(InvoiceLineOut.model_fields) == ["line_no", *(f.name for f in fields(PricedLine))]


def test_schemas_refuse_at_import_what_their_one_pass_reading_cannot_honour():
    from pydantic import ConfigDict, Field

    from wms_sales.common.schemas import Schema

    with pytest.raises(TypeError, match="alias"):
        class Aliased(Schema):
            amount: Decimal = Field(alias="value")
    with pytest.raises(TypeError, match="extras"):
        class Closed(Schema):
            model_config = ConfigDict(extra="forbid")


def test_schemas_read_resolvers_dicts_and_attributes_as_ninja_does():
    from types import SimpleNamespace

    from wms_sales.common.schemas import Schema

    class Out(Schema):
        id: int
        label: str
        total: Decimal
        note: str = "-"

        @staticmethod
        def resolve_label(obj) -> str:
            return f"#{obj['id'] if isinstance(obj, dict) else obj.id}"

    as_object = Out.model_validate(SimpleNamespace(id=3, total=Decimal("1.50"),
                                                   note=lambda: "called"))
    assert as_object.model_dump() == {"id": 3, "label": "#3", "total": Decimal("1.50"),
                                      "note": "called"}
    as_dict = Out.model_validate({"id": "4", "total": "2"})
    assert as_dict.model_dump() == {"id": 4, "label": "#4", "total": Decimal(2), "note": "-"}
    assert as_dict.model_fields_set == {"id", "label", "total"}
