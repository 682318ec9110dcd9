"""Interplay's own URLs, unchanged, with the baseline's two pages beside them."""

from bench import baseline
from interplay.urls import urlpatterns as interplay_urlpatterns

urlpatterns = [*baseline.urlpatterns, *interplay_urlpatterns]
