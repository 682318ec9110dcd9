"""The baseline's one table: a row of ten short text fields."""

from django.db import models


class BareRow(models.Model):
    field_1 = models.CharField(max_length=100)
    field_2 = models.CharField(max_length=100)
    field_3 = models.CharField(max_length=100)
    field_4 = models.CharField(max_length=100)
    field_5 = models.CharField(max_length=100)
    field_6 = models.CharField(max_length=100)
    field_7 = models.CharField(max_length=100)
    field_8 = models.CharField(max_length=100)
    field_9 = models.CharField(max_length=100)
    field_10 = models.CharField(max_length=100)

    objects: "models.Manager[BareRow]" = models.Manager()

    def __str__(self) -> str:
        return self.field_1
