"""Public identifiers: random, unguessable, and safe to read aloud on the phone."""

import secrets

# No 0/O, 1/I/L, 5/S or 2/Z: a reference is read out to a receptionist and typed back.
REFERENCE_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"


def reference_code(prefix: str = "IP", groups: int = 2, size: int = 4) -> str:
    """A reference like ``IP-7KMX-3QAD``: about 38 bits of randomness."""
    parts = [
        "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(size)) for _ in range(groups)
    ]
    return "-".join([prefix, *parts])
