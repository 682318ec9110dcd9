"""Who sees which groups, and how much of each.

A facilitator sees their own groups with their members; a supervisor the groups they
supervise and those their supervisees facilitate; a service manager every group's
counts (no names, never notes). Everything else answers 404.
"""

from typing import Any

from django.db.models import Q

from interplay.accounts.permissions import Action, can
from interplay.groups.models import Group, GroupQuerySet, GroupSession, GroupSessionQuerySet


def _member_scope(user: Any) -> Q:
    scope = Q(pk__in=[])
    if can(user, Action.RUN_GROUP):
        scope |= Q(lead=user) | Q(co_facilitator=user)
    if can(user, Action.SUPERVISE):
        scope |= (
            Q(supervisor=user)
            | Q(lead__clinician__supervisor=user)
            | Q(co_facilitator__clinician__supervisor=user)
        )
    return scope


def visible_groups(user: Any) -> GroupQuerySet:
    """Groups ``user`` may open: their members' groups, or (a manager) every group."""
    if not can(user, Action.VIEW_GROUPS):
        return Group.objects.none()
    if can(user, Action.VIEW_SERVICE_FIGURES):
        return Group.objects.all()
    return Group.objects.filter(_member_scope(user))


def sees_members(user: Any, group: Group) -> bool:
    """Whether ``user`` sees who is in ``group`` and its records, not only its counts."""
    return Group.objects.filter(_member_scope(user), pk=group.pk).exists()


def organises(user: Any, group: Group) -> bool:
    """Whether ``user`` may invite to and start ``group``: its facilitators, or a manager."""
    if not can(user, Action.FORM_GROUP):
        return False
    return group.is_facilitator(user) or can(user, Action.VIEW_SERVICE_FIGURES)


def runs(user: Any, group: Group) -> bool:
    """Whether ``user`` records ``group``'s sessions: one of its facilitators."""
    return can(user, Action.RUN_GROUP) and group.is_facilitator(user)


def facilitated_sessions(user: Any) -> GroupSessionQuerySet:
    """The sessions of the groups ``user`` runs (as lead or co-facilitator), whichever of
    the members' courses they hold: what their own day, week and caseload show. None for
    a role that may not run a group, or for a group's supervisor."""
    if not can(user, Action.RUN_GROUP):
        return GroupSession.objects.none()
    return GroupSession.objects.filter(Q(group__lead=user) | Q(group__co_facilitator=user))
