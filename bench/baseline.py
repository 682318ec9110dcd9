"""The bare-Django baseline: the same shapes as Interplay's two hot pages, nothing more.

``/bare/form/`` is a 10-field form POST that validates, inserts one row and redirects
(the shape of the self-referral POST). ``/bare/list/`` renders a 50-row table from one
query, with no sign-in (the shape of the triage queue). ``/bare/row/<pk>/`` answers one row
as JSON (the shape of a FHIR read). Both go through the same
middleware, database settings and template engine as Interplay, since they are served
by the same process.
"""

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from bench.models import BareRow

LIST_ROWS = 50


class BareForm(forms.Form):
    field_1 = forms.CharField(max_length=100)
    field_2 = forms.CharField(max_length=100)
    field_3 = forms.CharField(max_length=100)
    field_4 = forms.CharField(max_length=100)
    field_5 = forms.CharField(max_length=100)
    field_6 = forms.CharField(max_length=100)
    field_7 = forms.CharField(max_length=100)
    field_8 = forms.CharField(max_length=100)
    field_9 = forms.CharField(max_length=100)
    field_10 = forms.CharField(max_length=100)


@require_http_methods(["GET", "POST"])
def bare_form(request: HttpRequest) -> HttpResponse:
    form = BareForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            row = BareRow.objects.create(**form.cleaned_data)
            return redirect(f"/bare/list/?created={row.pk}")
        return render(request, "bench/bare_form.html", {"form": form}, status=400)
    return render(request, "bench/bare_form.html", {"form": form})


@require_GET
def bare_list(request: HttpRequest) -> HttpResponse:
    rows = list(BareRow.objects.order_by("id")[:LIST_ROWS])
    return render(request, "bench/bare_list.html", {"rows": rows})


@require_GET
def bare_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One row as JSON: the shape of a FHIR read, with none of its work."""
    row = get_object_or_404(BareRow, pk=pk)
    fields = {f"field_{n}": getattr(row, f"field_{n}") for n in range(1, 11)}
    return JsonResponse({"id": row.pk, **fields})


urlpatterns = [
    path("bare/form/", bare_form, name="bare_form"),
    path("bare/list/", bare_list, name="bare_list"),
    path("bare/row/<int:pk>/", bare_row, name="bare_row"),
]
