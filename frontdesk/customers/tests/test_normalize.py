"""Email normalization: the fast path for plain addresses gives exactly the answer of the
full validator (email_validator), accepted or refused, on generated addresses."""

import random

import pytest
from email_validator import EmailNotValidError, validate_email

from frontdesk.customers.normalize import _plain_email, email_normalize

GOOD = ["a", "Z", "john", "J.Smith", "o'neil", "x+tag", "9", "example", "EXAMPLE", "co", "uk",
        "com", "a-b", "mail", "Org"]  # fmt: skip
ODD = [
    "_", "-", ".", "..", "é", " ", "@", "xn--bcher-kva", "test", "local", "localhost", "invalid",
    "arpa", "onion", "-ab", "ab-", "1", "123", "q" * 63, "q" * 64, "#", "!", '"', "(", ")", ",",
    "[", "]", "\\", "ß",
]  # fmt: skip


def full_validator(raw):
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def generated(count, seed=20261122):
    rnd = random.Random(seed)

    def piece():
        return rnd.choice(GOOD if rnd.random() < 0.85 else ODD)

    for _ in range(count):
        local = "".join(piece() for _ in range(rnd.randint(1, 3)))
        labels = [
            "".join(piece() for _ in range(rnd.randint(1, 2))) for _ in range(rnd.randint(1, 4))
        ]
        yield f"{local}@{'.'.join(labels)}"


def test_the_fast_path_agrees_with_the_full_validator_on_generated_addresses():
    fast_answers = 0
    for raw in generated(6000):
        fast = _plain_email(raw)
        if fast is not None:
            fast_answers += 1
            assert fast == full_validator(raw), raw
    assert fast_answers > 800  # the generator does reach the fast path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("John.Smith@Example.COM", ("John.Smith@example.com", "john.smith@example.com")),
        ("joe@xn--bcher-kva.example", ("joe@bücher.example", "joe@bücher.example")),
    ],
)
def test_addresses_are_normalized_with_a_casefolded_key(raw, expected):
    assert email_normalize(raw) == expected


@pytest.mark.parametrize("raw", ["a@b.test", "a..b@x.com", "a@1.2.3.4", "no-at-sign", "a@b"])
def test_invalid_addresses_are_refused_by_either_path(raw):
    with pytest.raises(ValueError):
        email_normalize(raw)
