"""The production settings, with the environment a test run needs filled in when unset."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("WMS_SECRET_KEY", "test-only-secret-key-not-for-production")
if "WMS_DATA_DIR" not in os.environ:
    os.environ["WMS_DATA_DIR"] = tempfile.mkdtemp(prefix="wms-sales-test-")
    atexit.register(shutil.rmtree, os.environ["WMS_DATA_DIR"], ignore_errors=True)
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# themselves (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from wms_sales.settings import *  # noqa: F403

# Fast hashing: tests create many users; production keeps Django's default hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Several checkouts may test against one database server at once: each names its own test
# database (pytest-django otherwise uses test_<name> for all of them).
if os.environ.get("WMS_TEST_DATABASE_NAME"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ["WMS_TEST_DATABASE_NAME"]  # noqa: F405

# Test databases roll back and reuse ids, so a per-process copy of stored idempotent responses
# could outlive its row: only the tests of that fast path switch a real cache on.
CACHES = {**CACHES,  # noqa: F405  (a copy: wms_sales.settings keeps its own)
          "idempotency": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
