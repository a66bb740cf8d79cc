from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "frontdesk.inquiries"
    label = "inquiries"
    verbose_name = "Website inquiries"

    def ready(self) -> None:
        from frontdesk.customers.merge import register_relation
        from frontdesk.customers.overview import register_section
        from frontdesk.inquiries import demo  # noqa: F401 - registers the demo step
        from frontdesk.inquiries.models import Inquiry
        from frontdesk.inquiries.overview import inquiries_for_overview

        register_relation(Inquiry, "customer", name="inquiries")
        register_section("inquiries", inquiries_for_overview, permission="leads.view")
