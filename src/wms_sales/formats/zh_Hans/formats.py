"""Chinese number formats for business documents: amounts are grouped by thousands with a
comma ("2,180,376.53"), as Chinese invoices and accounting software print them; Django's
default for zh-Hans groups nothing."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 - the dates stay Django's

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
