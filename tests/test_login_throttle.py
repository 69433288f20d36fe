"""Login throttling by account and by address, with a clear message and an admin unlock."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from wms_sales.accounts.services import create_user

LOGIN = "/login/"


@pytest.fixture
def alice(db):
    return create_user(username="alice", role="sales", password="right-password-1")


def attempt(username: str, password: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password})


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_wrong_passwords_lock_the_account_with_a_clear_message(alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt("alice", "wrong", address="10.0.0.2").status_code == 200
    locked = attempt("alice", "wrong", address="10.0.0.3")
    assert locked.status_code == 429
    # the right password, from any address, is refused while the lock lasts
    refused = attempt("alice", "right-password-1", address="10.0.0.4")
    assert refused.status_code == 429 and not logged_in(refused)
    page = refused.content.decode()
    assert "15" in page and ("administrator" in page or "管理员" in page)


def test_an_address_trying_many_accounts_is_locked(alice, settings):
    for index in range(settings.AXES_FAILURE_LIMIT):
        attempt(f"guess{index}", "wrong", address="10.9.9.9")
    assert attempt("alice", "right-password-1", address="10.9.9.9").status_code == 429
    assert logged_in(attempt("alice", "right-password-1", address="10.0.0.5"))


def test_an_admin_unlocks_an_account(alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("alice", "wrong", address="10.0.0.6")
    assert attempt("alice", "right-password-1", address="10.0.0.7").status_code == 429
    call_command("axes_reset_username", "alice")
    call_command("axes_reset_ip", "10.0.0.6")
    assert logged_in(attempt("alice", "right-password-1", address="10.0.0.7"))


def test_a_success_resets_the_count(alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt("alice", "wrong", address="10.0.0.8")
    assert logged_in(attempt("alice", "right-password-1", address="10.0.0.8"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt("alice", "wrong", address="10.0.0.8")
    assert logged_in(attempt("alice", "right-password-1", address="10.0.0.8"))


def test_the_admin_lists_lockouts(alice, settings, admin_client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("alice", "wrong", address="10.0.0.10")
    page = admin_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "alice" in page.content.decode()
