"""Phone numbers as people type them: kept in E.164, shown as people write them."""

import pytest

from interplay.lib import phones

ACCEPTED = [
    ("07700 900 982", "+447700900982"),
    ("07700900982", "+447700900982"),
    ("07700-900-982", "+447700900982"),
    ("+44 7700 900982", "+447700900982"),
    ("0044 7700 900982", "+447700900982"),
    ("+44 (0)7700 900982", "+447700900982"),
    ("0113 496 0000", "+441134960000"),
    ("(0113) 4960000", "+441134960000"),
    ("020 7946 0000", "+442079460000"),
    ("0800 123 4567", "+448001234567"),
    ("+33 1 23 45 67 89", "+33123456789"),
    ("+1 202 555 0143", "+12025550143"),
]
REFUSED = ["12345", "999", "07123", "07700 9009821", "", "not a number", "ring me"]


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED)
def test_a_whole_number_is_stored_in_e164(typed: str, stored: str) -> None:
    assert phones.normalise(typed) == stored


@pytest.mark.parametrize("typed", REFUSED)
def test_what_is_not_a_whole_number_is_refused(typed: str) -> None:
    with pytest.raises(phones.InvalidPhoneNumber):
        phones.normalise(typed)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+447700900982", "07700 900982"),
        ("+441134960000", "0113 496 0000"),
        ("+33123456789", "+33 1 23 45 67 89"),
        ("call after 6pm", "call after 6pm"),
        ("", ""),
    ],
)
def test_a_number_is_shown_as_people_write_it(stored: str, shown: str) -> None:
    assert phones.display(stored) == shown


def test_an_old_number_that_does_not_parse_is_kept_as_typed() -> None:
    assert phones.normalised_or_as_typed("12345") == "12345"
    assert phones.normalised_or_as_typed("07700 900982") == "+447700900982"
