"""Email and phone normalization: the fast paths (plain addresses, North American numbers
written the common ways) give exactly the answers of the full libraries (email_validator,
phonenumbers) on generated inputs."""

import random

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from frontdesk.customers.normalize import _nanp_e164, _plain_email, email_normalize, phone_e164

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


# --- phones --------------------------------------------------------------------------------
def library_e164(raw, region):
    """What phonenumbers alone answers: E.164, or None where it refuses the number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


FORMATS = [
    "({a}) {e}-{s}", "{a}-{e}-{s}", "{a}.{e}.{s}", "{a} {e} {s}", "{a}{e}{s}", "+1 {a} {e} {s}",
    "+1{a}{e}{s}", "1-{a}-{e}-{s}", "1 ({a}) {e}-{s}", "+1 ({a}) {e}-{s}", "({a}{e}-{s}",
    "{a}) {e}-{s}", "1{a}{e}{s}", "+1-{a}-{e}-{s}",
]  # fmt: skip


def test_the_north_american_fast_path_agrees_with_phonenumbers():
    rnd = random.Random(20261122)
    fast_answers = 0
    for _ in range(4000):
        area = rnd.randint(200, 999)
        exchange = rnd.randint(0, 999) if rnd.random() < 0.2 else rnd.randint(200, 999)
        raw = rnd.choice(FORMATS).format(
            a=area, e=f"{exchange:03d}", s=f"{rnd.randint(0, 9999):04d}"
        )
        region = rnd.choice(["US", "US", "CA", "GB", "DE"])
        fast = _nanp_e164(raw, region)
        if fast is not None:
            fast_answers += 1
            assert fast == library_e164(raw, region), (raw, region)
    assert fast_answers > 1500


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(512) 555-0142", "US", "+15125550142"),
        ("1-512-555-0142", "CA", "+15125550142"),
        ("+1 416 555 0199", "GB", "+14165550199"),
        ("+44 20 7946 0958", "US", "+442079460958"),  # not North American: the full parser
        ("512-555-0142 x12", "US", "+15125550142"),  # an extension: the full parser
    ],
)
def test_phones_come_out_in_e164(raw, region, expected):
    assert phone_e164(raw, region=region) == expected


@pytest.mark.parametrize("raw", ["(123) 555-0142", "555-0142", "+1 999 555 0142", "abc"])
def test_invalid_phones_are_refused_with_a_clear_message(raw):
    with pytest.raises(ValueError, match="phone number"):
        phone_e164(raw, region="US")


# --- search keys ---------------------------------------------------------------------------
def test_folding_ascii_text_takes_a_shortcut_with_the_same_result():
    import string
    import unicodedata

    from frontdesk.customers import normalize

    def by_the_book(text):
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
        text = normalize._APOSTROPHES_RE.sub("", text)
        return " ".join(normalize._SEPARATORS_RE.sub(" ", text).split())

    rnd = random.Random(7)
    for _ in range(20000):
        text = "".join(rnd.choice(string.printable) for _ in range(rnd.randint(1, 24)))
        assert normalize.fold(text) == by_the_book(text), text
    assert normalize.fold("José O'Brien-SMITH") == "jose obrien smith"
