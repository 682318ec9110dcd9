"""The demo prints a FHIR request that works: the therapist's token reads a patient's
whole record as a Bundle."""

import os
import re
from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings


@override_settings(DEMO=True, DEMO_TOTP_SECRET="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
class DemoFhirTests(TestCase):
    def test_the_printed_curl_reads_a_patient_s_course_as_fhir(self) -> None:
        out = StringIO()
        os.environ["INTERPLAY_DEMO_PASSWORD"] = "demo-password-1"
        try:
            call_command("demo_setup", history=0, stdout=out)
        finally:
            del os.environ["INTERPLAY_DEMO_PASSWORD"]
        found = re.search(
            r'Bearer (ipl_\S+)" \S*?(/fhir/R4/Patient/\S+/\$everything)', out.getvalue()
        )
        assert found is not None, out.getvalue()
        key, path = found.groups()
        response = self.client.get(path, headers={"Authorization": f"Bearer {key}"})
        self.assertEqual(response.status_code, 200, response.content)
        kinds = {e["resource"]["resourceType"] for e in response.json()["entry"]}
        self.assertLessEqual({"Patient", "EpisodeOfCare", "Appointment", "CarePlan"}, kinds)
