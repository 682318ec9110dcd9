"""``{% staff_nav staff_links %}``: the header's links to the staff pages the signed-in
person's roles open (``interplay.pages.context_processors.staff_links``), one a line.

Written here rather than as sixteen ``{% if %}{% path_to %}`` lines in ``base.html``:
every staff page renders the header, and the same links come out, byte for byte, for
everyone holding the same roles. The markup for each set of links is built once per
script prefix and URLconf, as the paths themselves are (``interplay.lib.paths``)."""

import functools
import html
from typing import Any

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe

from interplay.lib.paths import path_to

register = template.Library()

# (the staff_links key, the page's URL name, the link's words), in the header's order.
LINKS: tuple[tuple[str, str, str], ...] = (
    ("today", "home", "Today"),
    ("screens", "today:screens", "My screens"),
    ("caseload", "caseload", "My caseload"),
    ("calendar", "calendar", "My calendar"),
    ("my_hours", "hours:my_week", "My hours and leave"),
    ("alerts", "monitoring:alerts", "Alerts"),
    ("supervision", "supervision:index", "Supervision"),
    ("groups", "groups:index", "Groups"),
    ("triage_queue", "triage:queue", "Triage queue"),
    ("waiting_list", "waiting_list:index", "Waiting lists"),
    ("reports", "reports:dashboard", "Service figures"),
    ("patients", "patients:find", "Patients"),
    ("settings", "settings:index", "Settings"),
    ("admin", "admin:index", "Administration"),
    ("audit", "audit:events", "Audit trail"),
    ("tokens", "tokens:list", "API tokens"),
)
# What separates two lines of the header's links in base.html (a line without a link
# stays, empty, as it did when each was an {% if %} line of the template).
LINE = "\n        "


@register.simple_tag
def staff_nav(staff_links: Any) -> SafeString:
    shown = tuple(bool(staff_links.get(key)) for key, _, _ in LINKS)
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _markup(shown, get_script_prefix(), urlconf)


@functools.lru_cache(maxsize=256)
def _markup(shown: tuple[bool, ...], prefix: str, urlconf: Any) -> SafeString:
    lines = (
        f'<a href="{html.escape(path_to(name))}">{words}</a>' if on else ""
        for on, (_, name, words) in zip(shown, LINKS, strict=True)
    )
    return mark_safe(LINE.join(lines))  # noqa: S308 (escaped paths, fixed words)
