"""Demo data: about forty customers of "Demo Auto Care" with phones, emails, addresses,
a few fleet companies, vehicles with valid VINs, notes and tags. Deterministic, so the
demo looks the same every time. Phone numbers are in the fictional 555-01xx range."""

from __future__ import annotations

import random

from frontdesk.core.demo import DemoContext, demo_step
from frontdesk.customers import services
from frontdesk.customers.normalize import vin_check_digit

COMPANIES = [
    ("Hill Country Plumbing LLC", "(512) 555-0180"),
    ("Capital City Couriers", "(512) 555-0181"),
    ("Lone Star Landscaping", "(512) 555-0182"),
    ("Travis County Schools", "(512) 555-0183"),
]

PEOPLE = [
    ("Maria", "Garcia", "es-US"),
    ("James", "Smith", ""),
    ("Linda", "Johnson", ""),
    ("Robert", "Williams", ""),
    ("Patricia", "Brown", ""),
    ("Michael", "Jones", ""),
    ("Jennifer", "Miller", ""),
    ("David", "Davis", ""),
    ("Elizabeth", "Rodriguez", "es-US"),
    ("William", "Martinez", ""),
    ("Barbara", "Hernandez", "es-US"),
    ("Richard", "Lopez", ""),
    ("Susan", "Gonzalez", ""),
    ("Joseph", "Wilson", ""),
    ("Jessica", "Anderson", ""),
    ("Thomas", "Thomas", ""),
    ("Sarah", "Taylor", ""),
    ("Charles", "Moore", ""),
    ("Karen", "Jackson", ""),
    ("Christopher", "Martin", ""),
    ("Nancy", "Lee", ""),
    ("Daniel", "Perez", "es-US"),
    ("Lisa", "Thompson", ""),
    ("Matthew", "White", ""),
    ("Betty", "Harris", ""),
    ("Anthony", "Sanchez", ""),
    ("Margaret", "Clark", ""),
    ("Mark", "Ramirez", ""),
    ("Sandra", "Lewis", ""),
    ("Donald", "Robinson", ""),
    ("Ashley", "Walker", ""),
    ("Steven", "Young", ""),
    ("Kimberly", "Allen", ""),
    ("Paul", "King", ""),
    ("Emily", "Wright", ""),
    ("Andrew", "Scott", ""),
    ("Donna", "Torres", "es-US"),
    ("Joshua", "Nguyen", "vi-US"),
    ("Michelle", "Hill", ""),
    ("José", "O'Brien", ""),
]

STREETS = ["Congress Ave", "Lamar Blvd", "Guadalupe St", "Burnet Rd", "Oltorf St", "Manor Rd"]
CITIES = [
    ("Austin", "78704"),
    ("Austin", "78751"),
    ("Round Rock", "78664"),
    ("Pflugerville", "78660"),
]
# (WMI + model code, make, model, engines): the VINs get a correct check digit
MODELS = [
    ("1HGCV1F3", "Honda", "Accord", "1.5L I4 turbo"),
    ("2HGFC2F5", "Honda", "Civic", "2.0L I4"),
    ("4T1B11HK", "Toyota", "Camry", "2.5L I4"),
    ("5TDZZRFH", "Toyota", "Highlander", "3.5L V6"),
    ("1FTEW1EP", "Ford", "F-150", "2.7L V6 EcoBoost"),
    ("1FMCU9GD", "Ford", "Escape", "1.5L I3"),
    ("1G1ZD5ST", "Chevrolet", "Malibu", "1.5L I4 turbo"),
    ("3GNAXKEV", "Chevrolet", "Equinox", "1.5L I4 turbo"),
    ("5YJ3E1EA", "Tesla", "Model 3", "electric"),
    ("1C4RJFAG", "Jeep", "Grand Cherokee", "3.6L V6"),
]
YEAR_CODES = {
    2016: "G",
    2017: "H",
    2018: "J",
    2019: "K",
    2020: "L",
    2021: "M",
    2022: "N",
    2023: "P",
}
COLORS = ["White", "Black", "Silver", "Gray", "Blue", "Red"]
TAGS = ["vip", "fleet", "newsletter", "warranty", "referral", "spanish-speaking", "ev"]
NOTES = [
    "Prefers a text the day before the appointment.",
    "Asked for a quote on front brake pads and rotors.",
    "Declined the timing belt replacement; follow up in three months.",
    "Waits in the lounge; likes the early slot.",
    "Referred by a neighbour. Offer the referral discount.",
    "Warranty claim on the water pump is open with the manufacturer.",
]
SOURCES = ["phone_call", "walk_in", "web_form", "referral", "service_customer", "ad"]


def demo_vin(prefix: str, year: int, serial: int) -> str:
    body = f"{prefix}0{YEAR_CODES[year]}A{serial:06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def demo_plate(serial: int) -> str:
    letters = "".join(chr(65 + (serial // 26**k) % 26) for k in range(3))
    return f"{letters} {serial % 10000:04d}"


@demo_step
def customers_demo(ctx: DemoContext) -> None:
    rnd = random.Random(42)  # noqa: S311 - demo data, deterministic on purpose
    org, actor = ctx.org, ctx.actor
    companies = [
        services.company_create(
            org=org,
            actor=actor,
            data={"name": name, "main_phone": phone, "status": "active_customer"},
        )
        for name, phone in COMPANIES
    ]
    customers = []
    for i, (first, last, locale) in enumerate(PEOPLE):
        city, postal = CITIES[i % len(CITIES)]
        email_domain = "example.com" if i % 3 else "example.net"
        company = companies[i % len(companies)] if i % 5 == 0 else None
        data = {
            "first_name": first,
            "last_name": last,
            "phones": [
                {
                    "number": f"(512) 555-01{i:02d}",
                    "kind": "mobile",
                    "consent_to_call": i % 4 != 0,
                }
            ],
            "emails": [
                {"address": f"{first.lower()}.{last.lower().replace(chr(39), '')}@{email_domain}"}
            ],
            "addresses": [
                {
                    "street": f"{100 + 37 * i} {STREETS[i % len(STREETS)]}",
                    "city": city,
                    "state": "TX",
                    "postal_code": postal,
                }
            ],
            "preferred_channel": ["sms", "email", "phone"][i % 3],
            "communication": {
                "opt_in_email": i % 3 != 0,
                "opt_in_sms": i % 2 == 0,
                "do_not_contact": i == 13,
            },
            "source": SOURCES[i % len(SOURCES)],
            "lifecycle_stage": "customer" if i % 4 else "prospect",
            "locale": locale,
            "time_zone": "America/Chicago",
            "tags": rnd.sample(TAGS, k=rnd.randint(0, 2)),
            "lead_score": rnd.randint(5, 95),
        }
        if company:
            data["company_id"] = company.pk
            data["type"] = "business"
        if i % 7 == 3:
            data["phones"].append({"number": f"(737) 555-01{i:02d}", "kind": "work"})
        customers.append(services.customer_create(org=org, actor=actor, data=data))

    serial = 1000
    for i, customer in enumerate(customers):
        if i % 10 == 9:
            continue  # a few customers without a car
        for _ in range(1 if i % 6 else 2):
            prefix, make, model, engine = MODELS[serial % len(MODELS)]
            year = 2016 + serial % 8
            services.customer_vehicle_add(
                org=org,
                actor=actor,
                customer=customer,
                vehicle={
                    "vin": demo_vin(prefix, year, serial),
                    "year": year,
                    "make": make,
                    "model": model,
                    "engine": engine,
                    "plate": demo_plate(serial),
                    "color": COLORS[serial % len(COLORS)],
                    "mileage": 12_000 + (serial * 7919) % 120_000,
                },
                link={
                    "relationship": "owner",
                    "purchase_type": ["new", "used", "cpo"][serial % 3],
                    "finance_type": ["cash", "finance", "lease"][serial % 3],
                    "primary_driver": True,
                    "annual_mileage": 9_000 + (serial * 31) % 9_000,
                },
            )
            serial += 1
    for i, customer in enumerate(customers):
        if i % 3 == 0:
            services.customer_note_add(
                org=org, actor=actor, customer=customer, body=NOTES[i % len(NOTES)]
            )
    ctx.data["customers"] = customers
    ctx.data["companies"] = companies
