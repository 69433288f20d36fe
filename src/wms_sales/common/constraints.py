"""CHECK conditions comparing sums of decimal columns. SQLite keeps decimals as floating
point, so ``a = b + c`` can miss by 1e-15 there; comparing within half of the columns' last
place is exact for values that always carry at most that many places."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Abs
from django.db.models.lookups import GreaterThan, LessThan

HALF_CENT = Decimal("0.005")  # money: 2 places
HALF_QUANTUM = Decimal("0.00005")  # quantities: 4 places


def equals(left: Combinable, right: Combinable,
           tolerance: Decimal = HALF_CENT) -> LessThan[Decimal]:
    return LessThan(Abs(left - right), Value(tolerance))


def at_least(left: Combinable, right: Combinable,
             tolerance: Decimal = HALF_CENT) -> GreaterThan[Decimal]:
    return GreaterThan(left - right, Value(-tolerance))
