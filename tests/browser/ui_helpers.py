"""Helpers of the browser tests: screenshots and the page language."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from browser.test_ui import SCREENSHOTS

LANGUAGES = ["zh-hans", "en"]
LANGUAGE_BUTTONS = {"zh-hans": "简体中文", "en": "English"}


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def use_language(page: Page, language: str) -> Page:
    """Switch the signed-in user's pages to ``language`` (the switch in the header)."""
    button = page.get_by_role("button", name=LANGUAGE_BUTTONS[language], exact=True)
    if button.is_enabled():
        button.click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    return page


def text(language: str, zh: str, en: str) -> str:
    return zh if language == "zh-hans" else en
