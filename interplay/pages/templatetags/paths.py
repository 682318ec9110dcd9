"""``{% path_to "app:view" %}`` and ``{% path_to "app:view" record.public_id %}``: the
``{% url %}`` of a page that takes no argument or one UUID, reversed once per view name
(``interplay.lib.paths``), for the header's links and the links on every row of a list.
Loaded in every template (a builtin in ``settings.TEMPLATES``)."""

from typing import Any

from django import template

from interplay.lib import paths

register = template.Library()


@register.simple_tag
def path_to(viewname: str, *args: Any) -> str:
    return paths.path_to(viewname, *args)
