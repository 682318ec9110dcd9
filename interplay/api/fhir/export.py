"""A FHIR Bundle per patient in every whole-service export (``export_service``).

Each patient's ``$everything`` as a collection Bundle, ``fhir/Patient-<id>.json``, so
that a service leaving Interplay can hand any EHR its records in a standard shape. One
patient at a time: memory stays the same however large the service.
"""

import hashlib
import json
from pathlib import Path

from interplay.api.fhir.everything import everything_bundle
from interplay.clinic.export import PRIVATE_DIRECTORY, private_file
from interplay.patients.models import Patient

FOLDER = "fhir"


def write_bundles(directory: Path, using: str) -> dict[str, str]:
    """Write every patient's Bundle under ``directory``; their SHA-256 by relative path."""
    folder = directory / FOLDER
    folder.mkdir(mode=PRIVATE_DIRECTORY)
    written = {}
    for patient in Patient.objects.using(using).order_by("pk").iterator(chunk_size=200):
        data = json.dumps(everything_bundle(patient), ensure_ascii=False).encode("utf-8")
        relative = f"{FOLDER}/Patient-{patient.public_id}.json"
        with private_file(directory / relative, "wb") as out:
            out.write(data)
        written[relative] = hashlib.sha256(data).hexdigest()
    return written
