"""WSGI entry point for production servers (gunicorn interplay.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interplay.settings")

application = get_wsgi_application()

from interplay.checks import assert_safe_to_serve  # noqa: E402

assert_safe_to_serve()
