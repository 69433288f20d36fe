"""``field__any_of=[…]``: the ``in`` lookup for the long id lists of big documents."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In

from .db import value_preparer


class AnyOf(In[Any]):
    """``IN (…)`` everywhere but PostgreSQL, where it is ``= ANY(%s)`` with the whole list as
    one array parameter: Django prepares and renders a placeholder per value of an ``in``
    list (a 1,000-line document's ids cost more to build than to run), and PostgreSQL parses
    one parameter instead of a thousand, with one statement shape for every list length (a
    prepared statement instead of a new plan per length)."""

    lookup_name = "any_of"

    def get_prep_lookup(self) -> Any:
        if self.rhs_is_direct_value():
            return list(self.rhs)  # prepared per backend below, not per value here
        return super().get_prep_lookup()

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if self.rhs_is_direct_value():  # the other backends: Django's own preparation
            field = self.lhs.output_field
            self.rhs = [field.get_prep_value(value) for value in self.rhs]
        return super().as_sql(compiler, connection)

    def as_postgresql(self, compiler: Any, connection: Any) -> Any:
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        values = [value for value in dict.fromkeys(self.rhs) if value is not None]
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prepare = value_preparer(self.lhs.output_field)
        return f"{lhs} = ANY(%s)", (*lhs_params, [prepare(value) for value in values])


# Foreign keys keep lookups of their own (for model instances): there it takes ids.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
