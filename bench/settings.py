"""Interplay's settings, plus the bare-Django baseline app mounted beside its URLs.

Everything else (middleware, database, cache, templates, security) is exactly what
``interplay.settings`` reads from the environment, so the baseline pays the same
per-request costs as Interplay and the ratios compare views, not configurations.
"""

from interplay.settings import *  # noqa: F403
from interplay.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
