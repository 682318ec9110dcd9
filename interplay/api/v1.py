"""The JSON API, version 1, at /api/v1/: OpenAPI 3.1 at /api/v1/openapi.json and its
interactive documents at /api/v1/docs, served from the installed package's own static
files (no CDN).

Each resource is a router in ``interplay/api/resources/``; each write endpoint calls the
same service function the pages call.
"""

from datetime import datetime
from importlib import import_module

from django.http import HttpRequest
from ninja import NinjaAPI, Schema, Swagger

from interplay.api import errors, resources
from interplay.api.auth import TokenAuth, token_of

api = NinjaAPI(
    title="Interplay API",
    version="1",
    description=(
        "Interplay's JSON API: the same records, rules and permissions as its pages. "
        "Authenticate with a personal API token (`Authorization: Bearer ipl_…`)."
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
for name in resources.NAMES:
    api.add_router("/", import_module(f"interplay.api.resources.{name}").router)


class WhoAmI(Schema):
    username: str
    roles: list[str]
    scope: str
    notes: bool
    expires_at: datetime | None


@api.get("/whoami", response=WhoAmI, tags=["tokens"], summary="The token's user and scope")
def whoami(request: HttpRequest) -> WhoAmI:
    token = token_of(request)
    return WhoAmI(
        username=token.user.get_username(),
        roles=sorted(token.user.roles),
        scope=token.scope,
        notes=token.notes,
        expires_at=token.expires_at,
    )
