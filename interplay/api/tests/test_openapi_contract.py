"""The OpenAPI document is a contract: a change to it is a change clients will meet.

The stored copy (``openapi.json`` beside this file) must equal the live document. After a
deliberate change, refresh it and review the diff in the commit:

    INTERPLAY_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest \
        interplay/api/tests/test_openapi_contract.py
"""

import json
import os
from pathlib import Path

from django.test import SimpleTestCase

from interplay.api.v1 import api

SNAPSHOT = Path(__file__).with_name("openapi.json")


def live() -> dict[str, object]:
    return json.loads(json.dumps(api.get_openapi_schema()))


class OpenApiContractTests(SimpleTestCase):
    def test_the_document_matches_its_snapshot(self) -> None:
        document = live()
        if os.environ.get("INTERPLAY_UPDATE_SNAPSHOT") == "1":
            SNAPSHOT.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        stored = json.loads(SNAPSHOT.read_text())
        self.maxDiff = None
        self.assertEqual(
            document,
            stored,
            "The OpenAPI document changed. If you meant it, refresh the snapshot with "
            "INTERPLAY_UPDATE_SNAPSHOT=1 and commit the diff.",
        )

    def test_it_is_openapi_3_1_and_served_without_a_token(self) -> None:
        response = self.client.get("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["openapi"], "3.1.0")
        self.assertIn("Problem", response.json()["components"]["schemas"])
