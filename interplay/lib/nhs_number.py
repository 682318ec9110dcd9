"""The NHS number's Modulus 11 check digit.

Source: NHS Data Dictionary, "NHS Number": multiply the first nine digits by 10 down to 2,
sum, take the remainder by 11, subtract from 11; 11 becomes 0 and 10 means the number
is invalid.
"""


def normalise(value: str) -> str:
    """Strip the spaces and dashes people type between the 3-3-4 groups."""
    return "".join(ch for ch in value if ch not in " -")


def is_valid(value: str) -> bool:
    digits = normalise(value)
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def format_nhs_number(value: str) -> str:
    digits = normalise(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else value
