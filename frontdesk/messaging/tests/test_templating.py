"""Personalization in a sandbox: whitelisted values only; header fields refuse CR/LF."""

import pytest

from frontdesk.core.errors import ValidationFailed
from frontdesk.core.tenancy import tenant_scope
from frontdesk.messaging.templating import render, render_message
from frontdesk.messaging.tests.factories import make_contact


def say(org, customer, source, **variables):
    with tenant_scope(org):
        return render(source, field="body", org=org, customer=customer, variables=variables)


def test_it_fills_in_the_recipients_whitelisted_values(org, contact):
    text = say(
        org, contact, "Hi {{ first_name }} {{ last_name|upper }} from {{ organization_name }}"
    )
    assert text == "Hi Ada LOVELACE from Alpha Auto"


def test_text_is_not_html_escaped(org):
    customer = make_contact(org, first_name="O'Brien & <Sons>")
    assert say(org, customer, "{{ first_name }}") == "O'Brien & <Sons>"


@pytest.mark.parametrize(
    "source",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ settings }}",
        "{{ request.user }}",
        "{{ customer.organization.settings }}",
        "{{ view }}{{ csrf_token }}{{ perms }}",
    ],
)
def test_a_template_reaching_for_settings_or_the_request_renders_nothing(org, contact, source):
    assert say(org, contact, source) == ""


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% debug %}",
        "{% for c in customers %}{{ c }}{% endfor %}",
        "{% lorem 100000 w %}",
        "{{ first_name.__class__.__mro__ }}",
        "{{ first_name|ljust:'100000000' }}",
        "{% url 'admin:index' %}",
    ],
)
def test_tags_and_lookups_outside_the_sandbox_are_rejected(org, contact, source):
    with pytest.raises(ValidationFailed) as exc:
        say(org, contact, source)
    assert exc.value.errors[0]["field"] == "body"


def test_another_customers_data_is_out_of_reach(org, contact):
    other = make_contact(org, first_name="Grace", last_name="Hopper")
    text = say(
        org,
        contact,
        "{{ first_name }} {{ customer.first_name }} {{ customers }} {{ objects }}"
        f" {{{{ customer_{other.pk.hex} }}}} {{{{ customer_number.customer }}}}",
    )
    assert "Grace" not in text and "Hopper" not in text
    assert text.strip() == "Ada"


def test_variables_are_scalars_with_simple_names(org, contact):
    assert say(
        org, contact, "See you {{ when|date:'D j M, H:i' }}", when="2030-03-05T15:30:00-06:00"
    ) == ("See you Tue 5 Mar, 15:30")
    for bad in ({"Bad-Name": "x"}, {"obj": {"a": 1}}, {"items": [1, 2]}, {"long": "x" * 501}):
        with pytest.raises(ValidationFailed):
            say(org, contact, "{{ x }}", **bad)


def test_the_recipients_own_values_cannot_be_overridden_by_variables(org, contact):
    assert say(org, contact, "{{ first_name }}", first_name="Mallory") == "Ada"


@pytest.mark.parametrize("subject", ["Hello\r\nBcc: victim@example.com", "Hi\nthere", "a\rb"])
def test_a_subject_with_a_line_break_is_refused(org, contact, subject):
    with tenant_scope(org), pytest.raises(ValidationFailed) as exc:
        render_message(org=org, customer=contact, subject=subject, body="x")
    assert exc.value.errors[0]["field"] == "subject"


def test_a_subject_that_renders_a_line_break_from_a_variable_is_refused(org, contact):
    with tenant_scope(org), pytest.raises(ValidationFailed):
        render_message(
            org=org,
            customer=contact,
            subject="Hi {{ v }}",
            body="x",
            variables={"v": "x\r\nBcc: victim@example.com"},
        )
