"""The production settings, with the environment a test run needs filled in when unset."""

import os
import tempfile

os.environ.setdefault("WMS_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("WMS_DATA_DIR", tempfile.mkdtemp(prefix="wms-sales-test-"))
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# themselves (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from wms_sales.settings import *  # noqa: F403

# Fast hashing: tests create many users; production keeps Django's default hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
