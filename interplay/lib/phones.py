"""Phone numbers: read as people type them, kept in E.164, shown as people write them.

Numbers are parsed with ``phonenumbers`` (Google's libphonenumber metadata), taking a
number without a country code to be from the service's own country (the UK).
"""

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

DEFAULT_REGION = "GB"
EXAMPLE = "07700 900 982 or 0113 496 0000"


class InvalidPhoneNumber(ValueError):
    """Text that is not a whole phone number."""


def normalise(raw: str, region: str = DEFAULT_REGION) -> str:
    """The number in E.164 (``+447700900982``), or InvalidPhoneNumber.

    A number is accepted when it has a whole number's length for its country, not only
    when the metadata lists its range as in use: numbering plans change faster than the
    library's data, and a person's real number must never be refused. So "12345" (too
    short, or a local number without its area code) is refused; 07700 900 982 is kept.
    """
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException as error:
        raise InvalidPhoneNumber(str(error)) from error
    if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE:
        raise InvalidPhoneNumber(f"{raw!r} is not a whole phone number")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalised_or_as_typed(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 where the text is a whole number, else the text unchanged (for old records)."""
    try:
        return normalise(raw, region)
    except InvalidPhoneNumber:
        return raw


def display(value: str, region: str = DEFAULT_REGION) -> str:
    """As people write it: ``07700 900982`` at home, ``+33 1 23 45 67 89`` from abroad.

    Text that is not a whole number (kept as typed before numbers were checked, a short
    code like 116 123) is returned unchanged, so nothing anyone wrote is hidden.
    """
    value = value.strip()
    try:
        number = phonenumbers.parse(value, region)
    except NumberParseException:
        return value
    if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE:
        return value
    home = number.country_code == phonenumbers.country_code_for_region(region)
    style = PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)
