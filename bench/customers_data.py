"""Synthetic customers for the benchmarks, written in bulk (used by ``generate.py --customers``).

Rows are built as plain tuples and written a batch at a time: PostgreSQL with ``COPY``,
SQLite with one ``executemany`` per table, one transaction per batch. The derived search
columns (``name_key``, ``search_text``…) are computed here with the same functions as
``search.index_customers``, and the search indexes are filled in bulk: the SQLite FTS5
rows per batch, and on PostgreSQL the two trigram GIN indexes are dropped for a large load
and built once at the end (then ``ANALYZE``). Nothing goes through the services: no audit
entries, no events, no per-row duplicate checks (numbers and emails are unique by
construction, phones by a set).

Data: first and last names with their real US frequencies (Faker's en_US and es_MX
lists, about 2,000 distinct names), Texas cities with their area codes and postal codes,
E.164 phones (20% with a second), emails derived from the names, an address for 90%,
tags for 30%, a company for 3%, vehicles with valid VINs for 70% (15% with two), notes
for 5% (1–8 each).
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from faker.providers.person.en_US import Provider as EnUS
from faker.providers.person.es_MX import Provider as EsMX

from frontdesk.core.models import Sequence
from frontdesk.customers.choices import (
    FinanceType,
    LifecycleStage,
    PurchaseType,
    Source,
)
from frontdesk.customers.demo import MODELS
from frontdesk.customers.inputs import address_key
from frontdesk.customers.models import (
    Company,
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerNote,
    CustomerPhone,
    CustomerTag,
    CustomerVehicle,
    Vehicle,
)
from frontdesk.customers.normalize import fold, vin_check_digit
from frontdesk.customers.search import (
    CUSTOMER_FTS,
    PHONE_FTS,
    fts_rowid,
    name_keys,
    search_document,
)
from frontdesk.organizations.models import Organization

# (city, [postal codes], [area codes]); weights roughly by population
CITIES = [
    (
        "Houston",
        ["77002", "77006", "77019", "77024", "77036", "77057", "77074", "77090"],
        ["713", "281", "832", "346"],
        23,
    ),
    ("San Antonio", ["78201", "78209", "78216", "78230", "78245", "78250"], ["210", "726"], 15),
    ("Dallas", ["75201", "75204", "75214", "75225", "75240"], ["214", "469", "972"], 13),
    ("Austin", ["78701", "78704", "78745", "78751", "78758"], ["512", "737"], 10),
    ("Fort Worth", ["76102", "76107", "76116", "76132"], ["817", "682"], 9),
    ("El Paso", ["79901", "79912", "79925", "79936"], ["915"], 7),
    ("Arlington", ["76010", "76013", "76017"], ["817", "682"], 4),
    ("Corpus Christi", ["78401", "78411", "78414"], ["361"], 3),
    ("Plano", ["75023", "75024", "75093"], ["469", "972"], 3),
    ("Lubbock", ["79401", "79413", "79424"], ["806"], 3),
    ("Laredo", ["78040", "78041", "78045"], ["956"], 3),
    ("Irving", ["75038", "75039", "75062"], ["214", "972"], 2),
    ("Garland", ["75040", "75043"], ["469", "972"], 2),
    ("Frisco", ["75033", "75034"], ["469", "972"], 2),
    ("McKinney", ["75069", "75070"], ["469", "972"], 2),
    ("Amarillo", ["79101", "79106", "79109"], ["806"], 2),
    ("Grand Prairie", ["75050", "75052"], ["972"], 2),
    ("Brownsville", ["78520", "78521"], ["956"], 2),
    ("Killeen", ["76541", "76542"], ["254"], 1),
    ("Pasadena", ["77502", "77505"], ["713", "281"], 1),
    ("Round Rock", ["78664", "78681"], ["512", "737"], 1),
    ("Pflugerville", ["78660"], ["512", "737"], 1),
    ("Georgetown", ["78626", "78628"], ["512", "737"], 1),
    ("San Marcos", ["78666"], ["512", "737"], 1),
    ("Waco", ["76701", "76710"], ["254"], 1),
    ("Tyler", ["75701", "75703"], ["903", "430"], 1),
    ("Beaumont", ["77701", "77706"], ["409"], 1),
    ("Abilene", ["79601", "79606"], ["325"], 1),
    ("Midland", ["79701", "79705"], ["432"], 1),
    ("Odessa", ["79761", "79762"], ["432"], 1),
    ("Denton", ["76201", "76205"], ["940"], 1),
    ("College Station", ["77840", "77845"], ["979"], 1),
    ("New Braunfels", ["78130", "78132"], ["830"], 1),
    ("Conroe", ["77301", "77304"], ["936"], 1),
]
STREET_NAMES = [
    "Main",
    "Oak",
    "Pecan",
    "Elm",
    "Cedar",
    "Mesquite",
    "Bluebonnet",
    "Lamar",
    "Congress",
    "Guadalupe",
    "Burnet",
    "Cypress",
    "Willow",
    "Live Oak",
    "Magnolia",
    "Park",
    "Lake",
    "Hill",
    "Ranch",
    "Sunset",
    "River",
    "Spring",
    "Meadow",
    "Brazos",
    "Colorado",
    "Travis",
    "Houston",
    "Austin",
    "Crockett",
    "Bowie",
    "Lakeview",
    "Stonegate",
    "Heritage",
    "Preston",
]
STREET_SUFFIXES = ["St", "Ave", "Dr", "Ln", "Rd", "Blvd", "Ct", "Way", "Trl", "Pkwy"]
EMAIL_DOMAINS = [
    ("gmail.com", 40),
    ("yahoo.com", 14),
    ("hotmail.com", 9),
    ("outlook.com", 8),
    ("icloud.com", 7),
    ("aol.com", 4),
    ("att.net", 4),
    ("sbcglobal.net", 3),
    ("comcast.net", 2),
    ("proton.me", 1),
    ("example.com", 8),
]
TAGS = [
    ("vip", 12),
    ("fleet", 6),
    ("newsletter", 25),
    ("warranty", 12),
    ("referral", 10),
    ("spanish-speaking", 10),
    ("ev", 5),
    ("military", 5),
    ("senior", 8),
    ("commercial", 4),
    ("loaner", 3),
]
COMPANY_WORDS = [
    "Hill Country",
    "Lone Star",
    "Capital City",
    "Gulf Coast",
    "Big Bend",
    "Red River",
    "Pecos",
    "Panhandle",
    "Alamo",
    "Bluebonnet",
    "Rio Grande",
    "Prairie",
    "Longhorn",
]
COMPANY_KINDS = [
    "Plumbing",
    "Couriers",
    "Landscaping",
    "Roofing",
    "Electric",
    "Logistics",
    "Realty",
    "Construction",
    "HVAC",
    "Pest Control",
    "Catering",
    "Towing",
    "Movers",
    "Dental",
]
COMPANY_SUFFIXES = ["LLC", "Inc", "Co", "Group", ""]
COLORS = ["White", "Black", "Silver", "Gray", "Blue", "Red", "Green", "Brown"]
YEAR_CODES = {
    2010: "A",
    2011: "B",
    2012: "C",
    2013: "D",
    2014: "E",
    2015: "F",
    2016: "G",
    2017: "H",
    2018: "J",
    2019: "K",
    2020: "L",
    2021: "M",
    2022: "N",
    2023: "P",
    2024: "R",
    2025: "S",
}
MODEL_BY_PREFIX = {prefix: (make, model, engine) for prefix, make, model, engine in MODELS}
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PURCHASE_TYPES = list(PurchaseType.values)
FINANCE_TYPES = list(FinanceType.values)
SOURCES = list(Source.values)
STAGES = list(LifecycleStage.values)
NOTES = [
    "Prefers a text the day before the appointment.",
    "Asked for a quote on front brake pads and rotors.",
    "Declined the timing belt replacement; follow up in three months.",
    "Waits in the lounge; likes the early slot.",
    "Referred by a neighbour. Offer the referral discount.",
    "Warranty claim on the water pump is open with the manufacturer.",
    "Called about the recall letter; booked for next week.",
    "Paid by card; wants invoices by email.",
]


def _weighted(pairs) -> tuple[list, list[float]]:
    items = list(pairs)
    return [k for k, _ in items], [float(w) for _, w in items]


def _names(*dicts) -> tuple[list[str], list[float]]:
    merged: dict[str, float] = {}
    for share, names in dicts:
        total = sum(names.values())
        for name, weight in names.items():
            merged[name] = merged.get(name, 0.0) + share * weight / total
    return list(merged), list(merged.values())


FIRST_NAMES = _names(
    (0.38, EnUS.first_names_female),
    (0.38, EnUS.first_names_male),
    (0.24, {n: 1.0 for n in EsMX.first_names}),
)
LAST_NAMES = _names(
    (0.78, EnUS.last_names),
    (0.22, {n: 1.0 for n in EsMX.last_names}),
)


class TableWriter:
    """Writes tuples into one model's table, every column in ``_meta`` order; columns a
    row leaves out take the field default. PostgreSQL: COPY; SQLite: executemany."""

    def __init__(self, model):
        self.model = model
        self.table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields]
        self.names = [f.attname for f in self.fields]
        self.index = {name: i for i, name in enumerate(self.names)}
        self.pg = connection.vendor == "postgresql"
        base = []
        for f in self.fields:
            value = f.get_default() if f.has_default() else (None if f.null else "")
            base.append(value)
        self.base = base
        self.convert = []  # (position, function) for the values SQLite needs converted
        for i, f in enumerate(self.fields):
            kind = f.get_internal_type()
            if kind in ("UUIDField",) or (
                f.is_relation and f.target_field.get_internal_type() == "UUIDField"
            ):
                self.convert.append((i, None if self.pg else _uuid_sqlite))
            elif kind == "DateTimeField":
                self.convert.append((i, None if self.pg else _datetime_sqlite))
            elif kind == "DateField":
                self.convert.append((i, None if self.pg else _str_or_none))
            elif kind == "JSONField":
                self.convert.append((i, json.dumps))
        self.convert = [(i, fn) for i, fn in self.convert if fn]

    def row(self, **values) -> list:
        row = list(self.base)
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        for i, fn in self.convert:
            if row[i] is not None:
                row[i] = fn(row[i])
        return row

    def write(self, rows: list[list]) -> None:
        if not rows:
            return
        columns = ", ".join(connection.ops.quote_name(n) for n in [f.column for f in self.fields])
        if self.pg:
            with connection.connection.cursor() as cursor:
                with cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join("?" * len(self.fields))
            connection.connection.executemany(
                f"INSERT INTO {self.table} ({columns}) VALUES ({marks})",  # noqa: S608
                rows,
            )


def _uuid_sqlite(value) -> str:
    return value.hex


def _datetime_sqlite(value: datetime) -> str:
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _str_or_none(value) -> str:
    return str(value)


TRGM_INDEXES = {
    "customer_search_trgm_idx": "CREATE INDEX customer_search_trgm_idx ON customers_customer"
    " USING gin (search_text gin_trgm_ops)",
    "customerphone_digits_trgm_idx": "CREATE INDEX customerphone_digits_trgm_idx ON"
    " customers_customerphone USING gin (digits gin_trgm_ops)",
}


class CustomerFactory:
    """Makes one organization's customers batch by batch."""

    def __init__(self, org, rng: random.Random, serial_base: int):
        self.org = org
        self.org_id = org.pk
        self.rng = rng
        self.now = datetime.now(UTC)
        self.w = {
            m: TableWriter(m)
            for m in (
                Company,
                Customer,
                CustomerPhone,
                CustomerEmail,
                CustomerAddress,
                CustomerTag,
                Vehicle,
                CustomerVehicle,
                CustomerNote,
            )
        }
        self.phones_seen: set[str] = set()
        self.serial = serial_base  # makes emails unique
        self.vin_serial = 0  # with the plant character, makes VINs unique (33 million)
        self.city_names, self.city_weights = _weighted(((c, p, a), w) for c, p, a, w in CITIES)
        self.domains, self.domain_weights = _weighted(EMAIL_DOMAINS)
        self.tags, self.tag_weights = _weighted(TAGS)
        self.companies: list[tuple[uuid.UUID, str]] = []

    def make_companies(self, count: int) -> None:
        rng, rows = self.rng, []
        names = set()
        while len(names) < count:
            names.add(
                " ".join(
                    p
                    for p in (
                        rng.choice(COMPANY_WORDS),
                        rng.choice(COMPANY_KINDS),
                        rng.choice(COMPANY_SUFFIXES),
                    )
                    if p
                )
                + ("" if len(names) < 500 else f" {len(names)}")
            )
        for name in sorted(names):
            pk = uuid.uuid4()
            created = self.now - timedelta(days=rng.randint(30, 2000))
            rows.append(
                self.w[Company].row(
                    id=pk,
                    organization_id=self.org_id,
                    created_at=created,
                    updated_at=created,
                    name=name,
                    name_key=fold(name),
                    status="active_customer",
                )
            )
            self.companies.append((pk, name))
        with transaction.atomic():
            self.w[Company].write(rows)

    def _phone(self, area_codes: list[str]) -> str:
        rng = self.rng
        while True:
            number = (
                f"+1{rng.choice(area_codes)}{rng.randint(2, 9)}{rng.randint(0, 99):02d}"
                f"{rng.randint(0, 9999):04d}"
            )
            if number[5:8] != "555" and number not in self.phones_seen:
                self.phones_seen.add(number)
                return number

    def _vin(self) -> str:
        rng = self.rng
        prefix = rng.choice(MODELS)[0]
        year = rng.randint(2010, 2025)
        self.vin_serial += 1
        plant = VIN_CHARS[(self.vin_serial // 1_000_000) % len(VIN_CHARS)]
        body = f"{prefix}0{YEAR_CODES[year]}{plant}{self.vin_serial % 1_000_000:06d}"
        vin = body[:8] + vin_check_digit(body) + body[9:]
        return vin, year

    def batch(self, n: int, first_number: int) -> dict:
        """Build ``n`` customers numbered from ``first_number`` with everything hanging
        off them; returns rows per model plus the FTS rows."""
        rng, w, org_id = self.rng, self.w, self.org_id
        rows: dict = {m: [] for m in w}
        fts, phone_fts = [], []
        firsts = rng.choices(FIRST_NAMES[0], FIRST_NAMES[1], k=n)
        lasts = rng.choices(LAST_NAMES[0], LAST_NAMES[1], k=n)
        places = rng.choices(self.city_names, self.city_weights, k=n)
        for i in range(n):
            pk = uuid.uuid4()
            first, last = firsts[i], lasts[i]
            city, postals, area_codes = places[i]
            postal = rng.choice(postals)
            created = self.now - timedelta(seconds=rng.randint(3600, 8 * 365 * 86400))
            updated = created + timedelta(
                seconds=rng.randint(0, int((self.now - created).total_seconds()))
            )
            company = None
            if rng.random() < 0.03 and self.companies:
                company = rng.choice(self.companies)
            display = f"{first} {last}"
            name_key, last_first_key = name_keys(
                display_name=display, first_name=first, last_name=last
            )
            # phones
            phones = [self._phone(area_codes)]
            if rng.random() < 0.2:
                phones.append(self._phone(area_codes))
            for pos, number in enumerate(phones):
                rows[CustomerPhone].append(
                    w[CustomerPhone].row(
                        id=uuid.uuid4(),
                        organization_id=org_id,
                        created_at=created,
                        updated_at=created,
                        customer_id=pk,
                        number=number,
                        digits=number[1:],
                        kind="mobile" if pos == 0 else rng.choice(["home", "work"]),
                        primary=pos == 0,
                        consent_to_call=rng.random() < 0.6,
                        consent_at=created if rng.random() < 0.6 else None,
                        position=pos,
                    )
                )
            # email (92%)
            emails = []
            if rng.random() < 0.92:
                self.serial += 1
                local = fold(f"{first}.{last}").replace(" ", ".")
                style = rng.random()
                if style < 0.3:
                    local = f"{local}{self.serial}"
                elif style < 0.6:
                    local = f"{fold(first)[:1]}{fold(last).replace(' ', '')}{self.serial}"
                else:
                    local = f"{local}.{self.serial}"
                address = f"{local}@{rng.choices(self.domains, self.domain_weights)[0]}"
                emails.append(address)
                rows[CustomerEmail].append(
                    w[CustomerEmail].row(
                        id=uuid.uuid4(),
                        organization_id=org_id,
                        created_at=created,
                        updated_at=created,
                        customer_id=pk,
                        address=address,
                        key=address.casefold(),
                        primary=True,
                        position=0,
                    )
                )
            # address (90%)
            place_tokens = []
            if rng.random() < 0.9:
                street = (
                    f"{rng.randint(100, 19999)} {rng.choice(STREET_NAMES)}"
                    f" {rng.choice(STREET_SUFFIXES)}"
                )
                place_tokens = [city, postal]
                rows[CustomerAddress].append(
                    w[CustomerAddress].row(
                        id=uuid.uuid4(),
                        organization_id=org_id,
                        created_at=created,
                        updated_at=created,
                        customer_id=pk,
                        street=street,
                        city=city,
                        state="TX",
                        postal_code=postal,
                        country="US",
                        primary=True,
                        position=0,
                        key=address_key(street, postal, city),
                    )
                )
            # tags (30%)
            tags = []
            if rng.random() < 0.3:
                tags = sorted(set(rng.choices(self.tags, self.tag_weights, k=rng.randint(1, 2))))
                for tag in tags:
                    rows[CustomerTag].append(
                        w[CustomerTag].row(
                            id=uuid.uuid4(),
                            organization_id=org_id,
                            created_at=created,
                            updated_at=created,
                            customer_id=pk,
                            tag=tag,
                        )
                    )
            # vehicles (70%, 15% of those two)
            if rng.random() < 0.7:
                for _ in range(2 if rng.random() < 0.15 else 1):
                    vin, year = self._vin()
                    make, model, engine = MODEL_BY_PREFIX[vin[:8]]
                    plate = (
                        "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(3))
                        + f"{self.serial % 10000:04d}"
                    )
                    vehicle_id = uuid.uuid4()
                    rows[Vehicle].append(
                        w[Vehicle].row(
                            id=vehicle_id,
                            organization_id=org_id,
                            created_at=created,
                            updated_at=created,
                            vin=vin,
                            year=year,
                            make=make,
                            model=model,
                            engine=engine,
                            plate=plate,
                            plate_key=plate,
                            color=rng.choice(COLORS),
                            mileage=rng.randint(1_000, 220_000),
                        )
                    )
                    rows[CustomerVehicle].append(
                        w[CustomerVehicle].row(
                            id=uuid.uuid4(),
                            organization_id=org_id,
                            created_at=created,
                            updated_at=created,
                            customer_id=pk,
                            vehicle_id=vehicle_id,
                            relationship="owner",
                            status="active",
                            is_current=True,
                            primary_driver=True,
                            purchase_type=rng.choice(PURCHASE_TYPES),
                            finance_type=rng.choice(FINANCE_TYPES),
                            annual_mileage=rng.randint(5_000, 25_000),
                        )
                    )
            # notes (5%, 1-8)
            if rng.random() < 0.05:
                for k in range(rng.randint(1, 8)):
                    at = created + timedelta(days=30 * k + rng.randint(0, 29))
                    rows[CustomerNote].append(
                        w[CustomerNote].row(
                            id=uuid.uuid4(),
                            organization_id=org_id,
                            created_at=at,
                            updated_at=at,
                            customer_id=pk,
                            body=rng.choice(NOTES),
                            author_label="bench",
                        )
                    )
            company_name = company[1] if company else ""
            search_text = search_document(
                names=[display, first, last, company_name],
                emails=emails,
                places=place_tokens,
                tags=tags,
            )
            visited = rng.random() < 0.65
            archived = rng.random() < 0.01
            rows[Customer].append(
                w[Customer].row(
                    id=pk,
                    organization_id=org_id,
                    created_at=created,
                    updated_at=updated,
                    number=f"C-{first_number + i:04d}",
                    type="business" if company else "individual",
                    first_name=first,
                    last_name=last,
                    display_name=display,
                    company_id=company[0] if company else None,
                    preferred_channel=rng.choice(["sms", "email", "phone", ""]),
                    opt_in_email=rng.random() < 0.5,
                    opt_in_sms=rng.random() < 0.4,
                    do_not_contact=rng.random() < 0.02,
                    time_zone="America/Chicago",
                    source=rng.choice(SOURCES),
                    lifecycle_stage=rng.choice(STAGES),
                    status="archived" if archived else "active",
                    archived_at=updated if archived else None,
                    lead_score=rng.randint(0, 100),
                    last_visit_at=(
                        created + (updated - created) * rng.random() if visited else None
                    ),
                    total_appointments=rng.choice([0, 1, 1, 2, 2, 3, 4, 5, 6, 8, 11, 15])
                    if visited
                    else 0,
                    name_key=name_key[:200],
                    last_first_key=last_first_key[:200],
                    company_key=fold(company_name)[:200],
                    primary_phone=phones[0],
                    primary_email=emails[0] if emails else "",
                    search_text=search_text,
                )
            )
            rowid = fts_rowid(pk)
            if search_text:
                fts.append((rowid, pk.hex, search_text))
            phone_fts.append((rowid, pk.hex, " ".join(p[1:] for p in phones)))
        return {"rows": rows, "fts": fts, "phone_fts": phone_fts}

    def write(self, made: dict) -> None:
        order = [
            Customer,
            CustomerPhone,
            CustomerEmail,
            CustomerAddress,
            CustomerTag,
            Vehicle,
            CustomerVehicle,
            CustomerNote,
        ]
        with transaction.atomic():
            for model in order:
                self.w[model].write(made["rows"][model])
            if connection.vendor == "sqlite":
                raw = connection.connection
                raw.executemany(
                    f"INSERT INTO {CUSTOMER_FTS} (rowid, customer_id, body) VALUES (?, ?, ?)",  # noqa: S608
                    made["fts"],
                )
                raw.executemany(
                    f"INSERT INTO {PHONE_FTS} (rowid, customer_id, body) VALUES (?, ?, ?)",  # noqa: S608
                    made["phone_fts"],
                )


def sequence_reserve(org, count: int) -> int:
    """Take ``count`` customer numbers at once; returns the first."""
    with transaction.atomic():
        Sequence.objects.bulk_create(
            [Sequence(organization_id=org.pk, kind="C", last_value=0)], ignore_conflicts=True
        )
        seq = Sequence.objects.select_for_update().get(organization_id=org.pk, kind="C")
        first = seq.last_value + 1
        seq.last_value += count
        seq.save(update_fields=["last_value"])
    return first


def drop_trigram_indexes() -> list[str]:
    """PostgreSQL: drop the GIN indexes before a large load (rebuilt once at the end)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        for name in TRGM_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    return list(TRGM_INDEXES)


def finish(dropped: list[str]) -> None:
    """Rebuild what was dropped and refresh planner statistics."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for name in dropped:
                cursor.execute(TRGM_INDEXES[name])
            for model in (
                Customer,
                CustomerPhone,
                CustomerEmail,
                CustomerAddress,
                CustomerTag,
                Vehicle,
                CustomerVehicle,
                CustomerNote,
                Company,
            ):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        else:
            cursor.execute(f"INSERT INTO {CUSTOMER_FTS}({CUSTOMER_FTS}) VALUES ('optimize')")
            cursor.execute(f"INSERT INTO {PHONE_FTS}({PHONE_FTS}) VALUES ('optimize')")


def _load_slice(org_id, seed: int, worker: int, sizes: list[int], first: int, queue) -> None:
    """One worker process: its own connection, its own share of the batches."""
    from django.db import connections

    connections.close_all()
    org = Organization.objects.get(pk=org_id)
    factory = CustomerFactory(org, random.Random(seed), serial_base=worker * 10_000_000)
    factory.vin_serial = worker * 4_000_000
    for size in sizes:
        factory.write(factory.batch(size, first))
        first += size
        queue.put(size)
    connections.close_all()


def load_organization(org, count: int, *, batch: int, workers: int, seed: int, advance) -> None:
    """``count`` customers into ``org``: numbers reserved at once, then ``workers``
    processes (PostgreSQL; SQLite has one writer, so one) each COPY their share."""
    factory = CustomerFactory(org, random.Random(seed), serial_base=0)
    factory.make_companies(max(count // 1000, 5))
    first = sequence_reserve(org, count)
    sizes = [min(batch, count - done) for done in range(0, count, batch)]
    if workers <= 1 or connection.vendor != "postgresql":
        for size in sizes:
            factory.write(factory.batch(size, first))
            first += size
            advance(size)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    connection.close()  # children must not share the parent's connection
    processes, start = [], first
    for worker in range(workers):
        own = sizes[worker::workers]
        # each worker takes a contiguous range of numbers
        processes.append(
            context.Process(
                target=_load_slice,
                args=(org.pk, seed * 100 + worker, worker + 1, own, start, queue),
            )
        )
        start += sum(own)
    for p in processes:
        p.start()
    remaining = count
    while remaining > 0:
        try:
            done = queue.get(timeout=5)
        except Exception:  # noqa: BLE001 - queue.Empty: check the children are alive
            if any(p.exitcode not in (None, 0) for p in processes):
                raise SystemExit("a loader process failed") from None
            continue
        remaining -= done
        advance(done)
    for p in processes:
        p.join()
