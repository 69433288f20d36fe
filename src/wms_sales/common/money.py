"""Money arithmetic: Decimal only, rounded half-up to cents once per line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal  # after discount, before tax
    tax: Decimal
    total: Decimal


def line_amounts(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal = ZERO,
                 tax_rate_percent: Decimal = ZERO) -> LineAmounts:
    """Net is rounded once from the exact product; tax once from the rounded net."""
    with localcontext() as exact:  # enough digits that nothing is rounded before to_cents
        exact.prec = 80
        net = to_cents(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)
        tax = to_cents(net * tax_rate_percent / HUNDRED)
        return LineAmounts(net=net, tax=tax, total=net + tax)


@dataclass(frozen=True)
class PricedLine:
    """A document line with its price and amounts, as an invoice or a credit note holds it
    (finance's ``InvoiceLineOut`` is this plus ``line_no``)."""

    sku: str
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate_percent: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal


def price_line(*, sku: str, description: str, unit: str, quantity: Decimal,
               unit_price: Decimal, discount_percent: Decimal,
               tax_rate_percent: Decimal) -> PricedLine:
    """``quantity`` at ``unit_price`` less the discount, plus tax, by ``line_amounts``."""
    amounts = line_amounts(quantity, unit_price, discount_percent, tax_rate_percent)
    return PricedLine(sku=sku, description=description, unit=unit, quantity=quantity,
                      unit_price=unit_price, discount_percent=discount_percent,
                      tax_rate_percent=tax_rate_percent, net_amount=amounts.net,
                      tax_amount=amounts.tax, total_amount=amounts.total)



MAX_AMOUNT = Decimal(10) ** 16  # money columns hold 18 digits, 2 of them cents


def cents_or_none(value: object) -> Decimal | None:
    """``value`` as an amount of whole cents within the columns' range, or None."""
    try:
        amount = Decimal(str(value))
        if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
            return None
        return amount if amount == amount.quantize(CENT) else None
    except (InvalidOperation, ValueError):
        return None
