"""Columns of an onboarding file and the parsers that turn a cell's text into a value."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

OMIT = object()  # an empty optional cell leaves the model's default in place


class CellError(ValueError):
    """A cell's text is not a value of its column's type."""


def normalize(text: str) -> str:
    """Loose form for matching headers and spotting duplicate keys: full-width characters
    folded (NFKC), case ignored, spaces and dashes as underscores."""
    folded = unicodedata.normalize("NFKC", text).strip().casefold()
    return "_".join(folded.replace("-", " ").split())


@dataclass(frozen=True)
class Column:
    key: str
    zh: str  # the Chinese header exports write and imports accept
    parse: Callable[[str], Any] = str
    required: bool = False
    empty: Any = OMIT
    aliases: tuple[str, ...] = ()  # other headers people write for it (docs/onboarding.md)
    en: str = ""  # the English header of the web UI's exports ("Payment terms (days)")

    def names(self) -> set[str]:
        return {normalize(name) for name in (self.key, self.zh, self.english, *self.aliases)}

    @property
    def english(self) -> str:
        return self.en or self.key.replace("_", " ").capitalize()

    def header(self, language: str) -> str:
        """``zh``: the Chinese header; ``en-labels``: the English one people read (the web
        UI's exports); ``en``: the key (scripts and ``wms-sales export --headers en``)."""
        return {"zh": self.zh, "en-labels": self.english}.get(language, self.key)

    def shown(self, value: Any, language: str) -> Any:
        """An exported cell: files in words (``zh``, ``en-labels``) show a choice's and a
        yes/no's label in their language (which imports accept back); ``en`` files keep the
        stored value."""
        if language not in ("zh", "en-labels"):
            return value
        if self.parse is boolean and isinstance(value, bool):
            return BOOLEAN_WORDS[language][value]
        labels = getattr(self.parse, "choices", None)
        if labels is not None and value in labels.values:
            with translation.override("zh-hans" if language == "zh" else "en"):
                return str(labels(value).label)
        return value

    def value(self, text: str) -> Any:
        if text == "":
            if self.required:
                raise CellError(_("This field is required."))
            return self.empty
        return self.parse(text)


def decimal(text: str) -> Decimal:
    try:
        # Thousands separators are how Excel shows large numbers in a Chinese locale.
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise CellError(_("Enter a number.")) from None
    if not value.is_finite():
        raise CellError(_("Enter a number."))
    return value


def whole_number(text: str) -> int:
    value = decimal(text)
    if value != value.to_integral_value():
        raise CellError(_("Enter a whole number."))
    return int(value)


# How files in words write yes/no; both words of each language import back.
BOOLEAN_WORDS = {"zh": {True: "是", False: "否"}, "en-labels": {True: "Yes", False: "No"}}
_TRUE = {"1", "true", "yes", "y", "t", "是", "启用", "有效"}
_FALSE = {"0", "false", "no", "n", "f", "否", "停用", "无效"}


def boolean(text: str) -> bool:
    folded = normalize(text)
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise CellError(_("Enter yes or no (true/false, 1/0, 是/否)."))


def choice(choices: type[models.TextChoices]) -> Callable[[str], str]:
    """A parser accepting a choice's value or its label in any of the UI languages."""

    @cache
    def accepted() -> dict[str, str]:
        names: dict[str, str] = {}
        for language in [None, *(code for code, _name in settings.LANGUAGES)]:
            with translation.override(language):
                names.update({normalize(str(label)): value
                              for value, label in choices.choices})
        names.update({normalize(value): value for value in choices.values})
        return names

    def parse(text: str) -> str:
        try:
            return accepted()[normalize(text)]
        except KeyError:
            raise CellError(_("Choose one of: %(choices)s.")
                            % {"choices": ", ".join(choices.values)}) from None

    parse.choices = choices  # type: ignore[attr-defined]  # for Column.shown
    return parse
