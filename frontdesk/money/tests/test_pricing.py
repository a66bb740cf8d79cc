"""The one pricing engine: list price, membership discount, net, tax; half-up rounding."""

import uuid
from decimal import Decimal

from frontdesk.money.pricing import (
    LineIn,
    MembershipTerms,
    price_document,
    price_line,
    round_minor,
)

OIL = uuid.uuid4()


def test_rounding_is_half_up_to_the_minor_unit():
    assert round_minor(Decimal("0.5")) == 1
    assert round_minor(Decimal("1.5")) == 2
    assert round_minor(Decimal("2.5")) == 3  # half-even would give 2
    assert round_minor(Decimal("2.4999")) == 2
    assert round_minor(Decimal("-2.5")) == -3


def test_a_line_without_membership_pays_list_price_and_tax():
    line = price_line(LineIn("Brake pads", Decimal("1"), 12999), terms=None, tax_rate_bp=825)
    assert (line.list_price, line.membership_discount, line.net) == (12999, 0, 12999)
    assert line.tax == 1072  # 12999 × 8.25 % = 1072.4175 → 1072


def test_tax_rounds_half_up_on_an_exact_half():
    # 1000 × 0.05 % = 0.5 → 1
    line = price_line(LineIn("x", Decimal("1"), 1000), terms=None, tax_rate_bp=5)
    assert line.tax == 1


def test_a_plan_discounts_other_lines_by_its_percentage():
    terms = MembershipTerms(plan_name="Gold", discount_bp=1000)
    line = price_line(LineIn("Brakes", Decimal("1.5"), 10001), terms=terms, tax_rate_bp=0)
    assert line.list_price == 15002  # 15001.5 → 15002
    assert line.membership_discount == 1500  # 1500.2 → 1500
    assert line.net == 13502
    assert line.membership_note == "Gold: 10% off"


def test_an_included_service_costs_the_plan_price():
    terms = MembershipTerms(plan_name="Gold", discount_bp=1000, included={OIL: 0})
    line = price_line(
        LineIn("Oil change", Decimal("1"), 4999, service_id=OIL), terms=terms, tax_rate_bp=825
    )
    assert (line.list_price, line.membership_discount, line.net, line.tax) == (4999, 4999, 0, 0)
    assert line.membership_note == "Included in Gold"


def test_an_included_price_above_list_gives_no_negative_discount():
    terms = MembershipTerms(plan_name="Basic", included={OIL: 9000})
    line = price_line(LineIn("Oil", Decimal("1"), 4999, service_id=OIL), terms=terms, tax_rate_bp=0)
    assert (line.membership_discount, line.net) == (0, 4999)


def test_non_taxable_lines_carry_no_tax_and_totals_are_sums_of_lines():
    doc = price_document(
        [
            LineIn("Labour", Decimal("2"), 5000, taxable=False),
            LineIn("Filter", Decimal("1"), 1999),
        ],
        terms=MembershipTerms(plan_name="Silver", discount_bp=500),
        tax_rate_bp=825,
    )
    assert [line.tax for line in doc.lines] == [0, 157]  # 1899 × 8.25 % = 156.67 → 157
    assert doc.subtotal == 11999
    assert doc.discount == 500 + 100
    assert doc.net == doc.subtotal - doc.discount == sum(line.net for line in doc.lines)
    assert doc.total == doc.net + doc.tax
