"""The front door and the health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from interplay.today.landing import first_screen


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Public: the service's start page. Staff past the second factor: their first screen
    (the one they chose, else their role's: ``today.landing``). Password only: links."""
    user = request.user
    if user.is_authenticated and user.is_verified():  # type: ignore[attr-defined]
        screen = first_screen(user)
        if screen is not None:
            return redirect(screen.url)
    return render(request, "pages/home.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with whether the database answers; 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "error", "database": database}, status=status
    )
