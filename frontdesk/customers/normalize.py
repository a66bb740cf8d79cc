"""Turning what people type into what the database compares: clean text, search keys,
E.164 phones, normalized emails, VINs and plates.

Each function raises ``ValueError`` with a sentence a user can act on; schemas and
services turn that into a 422 naming the field. Shared by the API, the UI, imports and
the search service, so that a value is normalized the same way wherever it comes from.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

# C0/C1 controls, zero-width and bidirectional-override characters. Multi-line fields
# allow \n, \r and \t; single-line ones allow none of them.
_CONTROL = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff"
)
_CONTROL_MULTILINE_RE = re.compile(f"[{_CONTROL}]")
_CONTROL_LINE_RE = re.compile(f"[{_CONTROL}\t\n\r]")
_APOSTROPHES_RE = re.compile("['\u2019\u02bc`\u00b4]")
_SEPARATORS_RE = re.compile(r"[\W_]+")


def clean_text(value: str | None, *, max_length: int, multiline: bool = False) -> str:
    """Strip ``value``; reject control characters and anything longer than ``max_length``."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("Must be text.")
    pattern = _CONTROL_MULTILINE_RE if multiline else _CONTROL_LINE_RE
    match = pattern.search(value)
    if match:
        raise ValueError(f"Contains a control character (U+{ord(match.group()):04X}).")
    value = value.strip()
    if len(value) > max_length:
        raise ValueError(f"At most {max_length} characters (this has {len(value)}).")
    return value


def fold(text: str | None) -> str:
    """The search key of ``text``: accents removed, casefolded, apostrophes dropped
    (O'Brien → obrien), every other separator a single space."""
    if not text:
        return ""
    if text.isascii():
        text = text.lower()  # the same as the lines below for ASCII, several times faster
    else:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _APOSTROPHES_RE.sub("", text)
    return " ".join(_SEPARATORS_RE.sub(" ", text).split())


def tokens(text: str | None) -> list[str]:
    return fold(text).split()


# --- phones ------------------------------------------------------------------------------
# North American numbers written the common ways (``(512) 555-0142``, ``512.555.0142``,
# ``+1 512 555 0142``, ``1-512-555-0142``) skip ``phonenumbers.parse`` (~60-90 µs, a third
# of a large import's time): their validity depends only on the first six digits of the
# national number (every NANP pattern of phonenumbers' metadata ends in \d{4} or more),
# so it is asked of phonenumbers once per six-digit prefix and remembered. Anything else
# takes the full parser. tests/test_normalize.py checks both give the same answers.
_NANP_RE = re.compile(r"(?:\+?1[ .-]?)?\(?([2-9]\d{2})\)?[ .-]?(\d{3})[ .-]?(\d{4})")
_NANP_REGIONS = frozenset({"US", "CA"})
_NANP_VALID: dict[str, bool] = {}


def _nanp_e164(raw: str, region: str) -> str | None:
    """``+1`` and ten digits for a plain North American number, or None (use the parser)."""
    if region not in _NANP_REGIONS and not raw.startswith("+1"):
        return None
    match = _NANP_RE.fullmatch(raw)
    if match is None:
        return None
    national = "".join(match.groups())
    prefix = national[:6]
    valid = _NANP_VALID.get(prefix)
    if valid is None:
        valid = phonenumbers.is_valid_number(phonenumbers.parse("+1" + national, None))
        if len(_NANP_VALID) < 100_000:
            _NANP_VALID[prefix] = valid
    return "+1" + national if valid else None


def phone_e164(raw: str, *, region: str) -> str:
    """``raw`` as E.164, read with ``region`` (the organization's country) as default."""
    raw = clean_text(raw, max_length=40)
    if not raw:
        raise ValueError("Enter a phone number.")
    fast = _nanp_e164(raw, region)
    if fast:
        return fast
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{raw!r} is not a phone number.")
    if not phonenumbers.is_valid_number(number):
        where = "" if raw.startswith("+") else f" in {region} (start with + and the country code)"
        raise ValueError(f"{raw!r} is not a valid phone number{where}.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- emails ------------------------------------------------------------------------------
def email_normalize(raw: str) -> tuple[str, str]:
    """``(address, key)``: the validated, normalized address (domain lowercased and
    IDNA-checked) and its duplicate key (the whole address casefolded)."""
    raw = clean_text(raw, max_length=254)
    if not raw:
        raise ValueError("Enter an email address.")
    plain = _plain_email(raw)
    if plain:
        return plain, plain.casefold()
    try:
        info = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc))
    address = info.normalized
    local, _, domain = address.rpartition("@")
    return address, f"{local.casefold()}@{domain.casefold()}"


# The common case, ASCII ``local@host.tld`` with nothing email_validator would rewrite or
# refuse, is answered without it (it costs ~100 µs an address, the whole budget of a row of
# a large import). Anything else takes the full validator. tests/test_normalize.py checks
# that both give the same answer on thousands of generated addresses.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_EMAIL_RE = re.compile(
    rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,63}})"
)
_SPECIAL_USE = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def _plain_email(raw: str) -> str | None:
    match = _PLAIN_EMAIL_RE.fullmatch(raw)
    if match is None or len(match["local"]) > 64 or len(match["domain"]) > 253:
        return None
    domain = match["domain"].lower()
    labels = domain.split(".")
    if any(label in _SPECIAL_USE or label[2:4] == "--" for label in labels):
        return None  # reserved names, punycode (xn--): the validator decides and rewrites
    return f"{match['local']}@{domain}"


# --- vehicles ----------------------------------------------------------------------------
_VIN_ALPHABET = set("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
NORTH_AMERICAN_WMI = "12345"  # first character: 1, 4, 5 United States; 2 Canada; 3 Mexico


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_normalize(raw: str) -> str:
    """A 17-character VIN, uppercased; the check digit verified for North-American VINs."""
    vin = re.sub(r"[\s-]+", "", clean_text(raw, max_length=40)).upper()
    if len(vin) != 17:
        raise ValueError(f"A VIN has 17 characters; this one has {len(vin)}.")
    for position, char in enumerate(vin, start=1):
        if char in "IOQ":
            raise ValueError(
                f"A VIN never contains I, O or Q; position {position} is {char!r}"
                " (probably 1 or 0)."
            )
        if char not in _VIN_ALPHABET:
            raise ValueError(f"A VIN has only letters and digits; position {position} is {char!r}.")
    if vin[0] in NORTH_AMERICAN_WMI:
        expected = vin_check_digit(vin)
        if vin[8] != expected:
            raise ValueError(
                f"The check digit (9th character) is {vin[8]!r} but this North-American VIN"
                f" needs {expected!r}: a character is mistyped."
            )
    return vin


def plate_key(plate: str | None) -> str:
    return re.sub(r"[^0-9A-Z]", "", fold(plate).upper())


# --- tags --------------------------------------------------------------------------------
TAG_MAX_LENGTH = 40


def tag_normalize(raw: str) -> str:
    """Tags compare case-insensitively: stored lowercased, inner whitespace collapsed."""
    tag = " ".join(clean_text(raw, max_length=200).lower().split())
    if not tag:
        raise ValueError("A tag cannot be empty.")
    if len(tag) > TAG_MAX_LENGTH:
        raise ValueError(f"A tag has at most {TAG_MAX_LENGTH} characters.")
    return tag
