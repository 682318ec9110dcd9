"""The service dashboard, the list behind each figure, and their CSV downloads.

Each reads from the read replica when there is one (``interplay.db_router``); the audit
event each records is written to the primary.
"""

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.db_router import reads_from_replica
from interplay.reports import export, lists, services
from interplay.reports.figures import BY_KEY, Policy
from interplay.reports.forms import FIELDS, FiltersForm
from interplay.reports.tables import TABLE_KEYS, Dashboard, by_key

PAGE_SIZE = 50


def _form(query: QueryDict) -> FiltersForm:
    """The filters asked for, or the default (the last twelve months) if none were."""
    chosen = any(key.split("_")[0] in FIELDS for key in query)
    return FiltersForm(query if chosen else None)


@require_GET
@require(Action.VIEW_SERVICE_FIGURES)
@reads_from_replica
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every figure with its numerator, denominator and definition, each a link."""
    form = _form(request.GET)
    if not form.is_valid():
        return render(request, "reports/dashboard.html", {"form": form}, status=400)
    board = Dashboard(form, Policy.of_service(), pages=request.GET)
    tables = board.tables()
    services.view_dashboard(actor=request.user, filters=board.filters)
    context = {"form": form, "board": board, "tables": tables, "query": form.query()}
    return render(request, "reports/dashboard.html", context)


@require_GET
@require(Action.VIEW_SERVICE_FIGURES)
@reads_from_replica
def figure_list(request: HttpRequest, figure: str) -> HttpResponse:
    """The courses or referrals one figure counts, a page at a time."""
    tally = BY_KEY.get(figure)
    if tally is None:
        raise Http404
    form = _form(request.GET)
    context: dict[str, Any] = {"form": form, "tally": tally}
    if not form.is_valid():
        return render(request, "reports/list.html", context, status=400)
    filters, policy = form.filters(), Policy.of_service()
    paginator = Paginator(lists.rows(tally, filters, policy), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [lists.cells(tally, row, policy) for row in page.object_list]
    services.view_list(
        actor=request.user, figure=figure, filters=filters, references=[r[0] for r in rows]
    )
    context |= {
        "filters": filters,
        "headers": lists.headers(tally),
        "rows": rows,
        "page": page,
        "paginator": paginator,
        "query": form.query(),
    }
    if tally.total:
        context["total"] = lists.total(tally, filters, policy)
    return render(request, "reports/list.html", context)


@require_GET
@require(Action.VIEW_SERVICE_FIGURES)
@reads_from_replica
def list_csv(request: HttpRequest, figure: str) -> HttpResponse:
    tally = BY_KEY.get(figure)
    form = _form(request.GET)
    if tally is None or not form.is_valid():
        raise Http404
    filters, policy = form.filters(), Policy.of_service()
    services.download(actor=request.user, table=f"list:{figure}", filters=filters)
    found = lists.rows(tally, filters, policy)
    name = f"{figure}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    return export.response(
        name, lists.headers(tally), lists.all_cells(tally, found.iterator(chunk_size=2000), policy)
    )


@require_GET
@require(Action.VIEW_SERVICE_FIGURES)
@reads_from_replica
def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    form = _form(request.GET)
    if table not in TABLE_KEYS or not form.is_valid():
        raise Http404
    board = Dashboard(form, Policy.of_service())
    found = by_key(board, table)
    assert found is not None
    services.download(actor=request.user, table=table, filters=board.filters)
    name = f"{table}-{board.filters.start:%Y%m%d}-{board.filters.end:%Y%m%d}.csv"
    return export.response(name, found.headers, ([c.text for c in row] for row in found.rows))
