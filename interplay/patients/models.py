"""The patient record: one person, however many times they are referred.

A referral keeps what the person wrote at the time; the patient record holds who they
are now. Later issues hang courses, measures and letters from it (FHIR Patient).
"""

import uuid

from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower


class PatientQuerySet(QuerySet["Patient"]):
    def current(self) -> "PatientQuerySet":
        """Records not merged into another."""
        return self.filter(merged_into__isnull=True)

    def matching(
        self, *, nhs_number: str, first_name: str, last_name: str, date_of_birth: object
    ) -> "PatientQuerySet":
        """Records of the same person: the same NHS number, or the same name and birth date.

        The issue's rule for returning people (NHS number, or name with date of birth).
        """
        same_person = Q(
            first_name__iexact=first_name.strip(),
            last_name__iexact=last_name.strip(),
            date_of_birth=date_of_birth,
        )
        if nhs_number:
            same_person |= Q(nhs_number=nhs_number)
        return self.current().filter(same_person)


class Patient(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10)
    phone = models.CharField(max_length=32)
    email = models.EmailField(blank=True)
    gp_practice = models.CharField(max_length=200)
    gp_address = models.CharField(max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records"
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(
                Lower("last_name"), Lower("first_name"), "date_of_birth", name="patient_name_dob"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def address_lines(self) -> list[str]:
        lines = [self.address_line_1, self.address_line_2, self.town, self.postcode]
        return [line for line in lines if line]


IDENTITY_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "nhs_number",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "phone",
    "email",
    "gp_practice",
    "gp_address",
)
