"""The header's staff links, worked out once per set of roles and written by a tag, are
the links each person's roles open, in the markup base.html wrote before."""

import itertools
from types import SimpleNamespace
from typing import Any

from django.template import Context, Template
from django.test import RequestFactory, SimpleTestCase

from interplay.accounts.models import User
from interplay.accounts.permissions import Action, can
from interplay.accounts.roles import Role
from interplay.pages.context_processors import staff_links
from interplay.pages.templatetags.staff_nav import staff_nav
from interplay.today.landing import screens_for

# The header's lines as base.html wrote them before the tag.
NAV_LINES = Template(
    """{% if staff_links.today %}<a href="{% path_to 'home' %}">Today</a>{% endif %}
        {% if staff_links.screens %}<a href="{% path_to 'today:screens' %}">My screens</a>{% endif %}
        {% if staff_links.caseload %}<a href="{% path_to 'caseload' %}">My caseload</a>{% endif %}
        {% if staff_links.calendar %}<a href="{% path_to 'calendar' %}">My calendar</a>{% endif %}
        {% if staff_links.my_hours %}<a href="{% path_to 'hours:my_week' %}">My hours and leave</a>{% endif %}
        {% if staff_links.alerts %}<a href="{% path_to 'monitoring:alerts' %}">Alerts</a>{% endif %}
        {% if staff_links.supervision %}<a href="{% path_to 'supervision:index' %}">Supervision</a>{% endif %}
        {% if staff_links.groups %}<a href="{% path_to 'groups:index' %}">Groups</a>{% endif %}
        {% if staff_links.triage_queue %}<a href="{% path_to 'triage:queue' %}">Triage queue</a>{% endif %}
        {% if staff_links.waiting_list %}<a href="{% path_to 'waiting_list:index' %}">Waiting lists</a>{% endif %}
        {% if staff_links.reports %}<a href="{% path_to 'reports:dashboard' %}">Service figures</a>{% endif %}
        {% if staff_links.patients %}<a href="{% path_to 'patients:find' %}">Patients</a>{% endif %}
        {% if staff_links.settings %}<a href="{% path_to 'settings:index' %}">Settings</a>{% endif %}
        {% if staff_links.admin %}<a href="{% path_to 'admin:index' %}">Administration</a>{% endif %}
        {% if staff_links.audit %}<a href="{% path_to 'audit:events' %}">Audit trail</a>{% endif %}
        {% if staff_links.tokens %}<a href="{% path_to 'tokens:list' %}">API tokens</a>{% endif %}"""  # noqa: E501
)


def asked_each_time(user: Any) -> dict[str, bool]:
    """The links as the context processor worked them out on every page before."""
    verified = bool(user is not None and getattr(user, "is_verified", lambda: False)())
    screens = len(screens_for(user)) if verified else 0
    return {
        "today": screens > 0,
        "screens": screens > 1,
        "caseload": verified and can(user, Action.RUN_COURSE),
        "calendar": verified and can(user, Action.RUN_COURSE),
        "alerts": verified and can(user, Action.VIEW_ALERTS),
        "supervision": verified and can(user, Action.SUPERVISE),
        "groups": verified and can(user, Action.VIEW_GROUPS),
        "triage_queue": verified and can(user, Action.VIEW_TRIAGE_QUEUE),
        "waiting_list": verified and can(user, Action.VIEW_WAITING_LIST),
        "admin": verified and can(user, Action.MANAGE_USERS),
        "audit": verified and can(user, Action.VIEW_AUDIT),
        "patients": verified and can(user, Action.MANAGE_RECORDS),
        "settings": verified and can(user, Action.CONFIGURE_SERVICE),
        "reports": verified and can(user, Action.VIEW_SERVICE_FIGURES),
        "staff_hours": verified and can(user, Action.MANAGE_WORKING_HOURS),
        "my_hours": verified and can(user, Action.KEEP_OWN_HOURS),
        "tokens": verified,
    }


def person(roles: tuple[str, ...], *, active: bool = True, verified: bool = True) -> User:
    user = User(username="someone", is_active=active)
    user._roles_cache = frozenset(roles)
    user.is_verified = lambda: verified  # type: ignore[attr-defined]
    return user


def every_set_of_roles() -> list[tuple[str, ...]]:
    roles = list(Role.values)
    return [c for n in range(len(roles) + 1) for c in itertools.combinations(roles, n)]


class StaffLinksTests(SimpleTestCase):
    def links(self, user: Any) -> dict[str, bool]:
        request = RequestFactory().get("/")
        request.user = user
        return staff_links(request)["staff_links"]

    def test_each_set_of_roles_opens_the_links_it_did(self) -> None:
        for roles in every_set_of_roles():
            for active, verified in [(True, True), (False, True), (True, False)]:
                user = person(roles, active=active, verified=verified)
                self.assertEqual(self.links(user), asked_each_time(user), (roles, active))

    def test_someone_not_signed_in_or_not_a_user_model_gets_the_same(self) -> None:
        from django.contrib.auth.models import AnonymousUser

        self.assertEqual(self.links(AnonymousUser()), asked_each_time(AnonymousUser()))
        self.assertEqual(self.links(None), asked_each_time(None))
        other = SimpleNamespace(
            is_authenticated=True,
            is_verified=lambda: True,
            has_role=lambda *roles: Role.TRIAGE in roles,
        )
        self.assertEqual(self.links(other), asked_each_time(other))

    def test_the_header_reads_as_base_html_wrote_it(self) -> None:
        for roles in every_set_of_roles():
            links = self.links(person(roles))
            expected = NAV_LINES.render(Context({"staff_links": links}))
            self.assertEqual(staff_nav(links), expected, roles)
