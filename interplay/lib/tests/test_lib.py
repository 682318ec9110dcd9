import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from interplay.lib import nhs_number
from interplay.lib.dates import age_on
from interplay.lib.env import env_bool, env_float, env_int, env_list
from interplay.lib.ids import REFERENCE_ALPHABET, reference_code


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("9434765919", True),  # NHS Data Dictionary worked example
        ("943 476 5919", True),
        ("943-476-5919", True),
        ("4010232137", True),
        ("9434765918", False),  # wrong check digit
        ("1234567890", False),  # check digit would be 10: never issued
        ("943476591", False),  # nine digits
        ("94347659190", False),
        ("94347659A9", False),
        ("", False),
    ],
)
def test_nhs_number_modulus_11(value: str, valid: bool) -> None:
    assert nhs_number.is_valid(value) is valid


def test_nhs_number_formats_in_groups() -> None:
    assert nhs_number.format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (dt.date(2000, 6, 15), dt.date(2018, 6, 14), 17),
        (dt.date(2000, 6, 15), dt.date(2018, 6, 15), 18),
        (dt.date(2000, 2, 29), dt.date(2018, 2, 28), 17),
        (dt.date(2000, 2, 29), dt.date(2018, 3, 1), 18),
    ],
)
def test_age_counts_the_birthday_itself(born: dt.date, on: dt.date, age: int) -> None:
    assert age_on(born, on) == age


def test_reference_codes_avoid_letters_misread_on_the_phone() -> None:
    code = reference_code()
    assert code.startswith("IP-") and len(code) == 12
    assert set(code[3:].replace("-", "")) <= set(REFERENCE_ALPHABET)
    assert not set("015IOSLZ2") & set(REFERENCE_ALPHABET)


def test_env_readers_refuse_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "twelve")
    monkeypatch.setenv("X_LOW", "0")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("X_INT", 1)
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X_LOW", 5, minimum=1)
    with pytest.raises(ImproperlyConfigured, match="X_INT must be a number"):
        env_float("X_INT", 1.0)
    with pytest.raises(ImproperlyConfigured, match=r"at least 0\.5"):
        env_float("X_LOW", 1.0, minimum=0.5)


def test_env_readers_read_what_operators_write(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env_bool("X_BOOL") is True
    assert env_bool("X_MISSING", default=True) is True
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    monkeypatch.setenv("X_FLOAT", "1.5")
    monkeypatch.setenv("X_EMPTY", "")
    assert env_float("X_FLOAT", 4.0) == 1.5
    assert env_float("X_MISSING", 4.0) == 4.0
    assert env_float("X_EMPTY", 4.0) is None
