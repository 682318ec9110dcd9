"""Staff download of a stored letter's PDF."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.letters import services
from interplay.letters.permissions import visible_letters


@require_GET
@require(Action.VIEW_LETTER)
def pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The PDF exactly as it was produced and sent, as a download. Each one is audited."""
    letter = get_object_or_404(visible_letters(request.user), public_id=public_id)
    services.view_letter(actor=request.user, letter=letter)
    response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=letter.filename
    )
    response["Cache-Control"] = "no-store"
    return response
