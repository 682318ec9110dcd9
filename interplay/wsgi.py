"""WSGI entry point for production servers (gunicorn interplay.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interplay.settings")

application = get_wsgi_application()

from interplay.checks import assert_safe_to_serve  # noqa: E402

assert_safe_to_serve()

# What a server process has loaded by now (Django, Interplay and their libraries: some
# 200,000 objects) lives as long as the process. Left in the cyclic garbage collector's
# sight, every full collection walks all of it, a pause of about 100 ms in the middle of
# a request every few hundred requests; frozen, a full collection walks only what the
# requests since have left behind. Collected first, so nothing frozen is garbage.
gc.collect()
gc.freeze()
