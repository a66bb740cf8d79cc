"""The closed vocabularies of customers, companies and vehicles (SPEC 4.2)."""

from django.db import models


class CustomerType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    BUSINESS = "business", "Business"


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DEACTIVATED = "deactivated", "Deactivated"
    ARCHIVED = "archived", "Archived"


class LifecycleStage(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    CUSTOMER = "customer", "Customer"
    PAST_CUSTOMER = "past_customer", "Past customer"


class Segment(models.TextChoices):
    """Derived from visits, stored on ``Customer.segment`` (see ``customers.segments``)."""

    LEAD = "lead", "Lead"
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    VIP = "vip", "VIP"


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    MAIL = "mail", "Mail"


class Source(models.TextChoices):
    PHONE_CALL = "phone_call", "Phone call"
    EMAIL = "email", "Email"
    WEB_FORM = "web_form", "Web form"
    WALK_IN = "walk_in", "Walk-in"
    SHOWROOM = "showroom", "Showroom"
    REFERRAL = "referral", "Referral"
    AD = "ad", "Advertisement"
    SERVICE_CUSTOMER = "service_customer", "Service customer"
    IMPORT = "import", "Import"
    OTHER = "other", "Other"


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    HOME = "home", "Home"
    WORK = "work", "Work"
    OTHER = "other", "Other"


class EmailKind(models.TextChoices):
    PERSONAL = "personal", "Personal"
    WORK = "work", "Work"
    OTHER = "other", "Other"


class AddressKind(models.TextChoices):
    HOME = "home", "Home"
    WORK = "work", "Work"
    BILLING = "billing", "Billing"
    SHIPPING = "shipping", "Shipping"
    SERVICE = "service", "Service"


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Other"
    UNDISCLOSED = "undisclosed", "Prefer not to say"


class CompanyType(models.TextChoices):
    BUSINESS = "business", "Business"
    INDIVIDUAL = "individual", "Individual"
    NONPROFIT = "nonprofit", "Nonprofit"
    GOVERNMENT = "government", "Government"
    OTHER = "other", "Other"


class CompanyStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    ACTIVE_CUSTOMER = "active_customer", "Active customer"
    INACTIVE = "inactive", "Inactive"
    ARCHIVED = "archived", "Archived"


class VehicleRelationship(models.TextChoices):
    OWNER = "owner", "Owner"
    CO_OWNER = "co_owner", "Co-owner"
    DRIVER = "driver", "Driver"


class PurchaseType(models.TextChoices):
    NEW = "new", "New"
    USED = "used", "Used"
    CPO = "cpo", "Certified pre-owned"


class FinanceType(models.TextChoices):
    CASH = "cash", "Cash"
    FINANCE = "finance", "Finance"
    LEASE = "lease", "Lease"


class VehicleLinkStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SOLD = "sold", "Sold"
    TRADED = "traded", "Traded"
