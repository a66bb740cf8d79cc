"""Customers, their contact points, notes and tags; companies; vehicles and who drives them.

Search columns (``name_key``, ``last_first_key``, ``company_key``, ``search_text``) are
derived by ``search.py`` whenever a service writes; never edit them by hand. On
PostgreSQL migration 0002 gives the ``*_key`` columns the ``"C"`` collation (byte order,
so a prefix is exactly a range and one b-tree both filters and orders) and adds trigram
indexes; on SQLite it creates the FTS5 tables. Re-apply that if you alter those fields.
"""

from django.db import models
from django.db.models import Q

from frontdesk.core.tenancy import TenantModel, unindexed_created_at, unindexed_organization
from frontdesk.customers.choices import (
    AddressKind,
    Channel,
    CompanyStatus,
    CompanyType,
    CustomerStatus,
    CustomerType,
    EmailKind,
    FinanceType,
    LifecycleStage,
    PhoneKind,
    PurchaseType,
    Segment,
    Source,
    VehicleLinkStatus,
    VehicleRelationship,
)


def default_atlas_sharing() -> dict:
    return {"vehicles": False, "vendors": False}


# The single-column indexes TenantModel gives every table (organization, created_at) and
# Django gives every foreign key are left out of the customer tables where a composite
# index or a unique constraint already starts with the same column: an import of a
# million customers writes five rows each, and every index costs each of them.
# (core.tenancy.unindexed_organization / unindexed_created_at)


class Company(TenantModel):
    """A business some customers work for or buy on behalf of. Archived, never deleted."""

    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, default="", editable=False)
    type = models.CharField(max_length=16, choices=CompanyType.choices, default="business")
    main_phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    billing_address = models.JSONField(default=dict, blank=True)
    primary_contact = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="primary_contact_of",
    )
    status = models.CharField(max_length=16, choices=CompanyStatus.choices, default="prospect")
    accounting_customer_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name_key", "id"]
        verbose_name_plural = "companies"
        indexes = [
            models.Index(fields=["organization", "name_key", "id"], name="company_org_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=CompanyType.values), name="company_valid_type"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CompanyStatus.values), name="company_valid_status"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Customer(TenantModel):
    """A person or a business contact (SPEC 4.2). Archived, never deleted; a merged
    duplicate stays as an archived tombstone whose ``merged_into`` names the survivor."""

    organization = unindexed_organization()
    created_at = unindexed_created_at()
    number = models.CharField(max_length=20, editable=False, help_text="C-0042")
    type = models.CharField(max_length=16, choices=CustomerType.choices, default="individual")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    preferred_channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    opt_in_email = models.BooleanField(default=False)
    opt_in_sms = models.BooleanField(default=False)
    opt_in_mail = models.BooleanField(default=False)
    do_not_contact = models.BooleanField(default=False)
    demographics = models.JSONField(default=dict, blank=True)
    locale = models.CharField(max_length=16, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default="other")
    lifecycle_stage = models.CharField(
        max_length=16, choices=LifecycleStage.choices, default="prospect"
    )
    status = models.CharField(max_length=16, choices=CustomerStatus.choices, default="active")
    archived_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, help_text="running notes; entries are CustomerNote")
    lead_score = models.PositiveSmallIntegerField(default=0)
    last_visit_at = models.DateTimeField(null=True, blank=True)
    total_appointments = models.PositiveIntegerField(default=0)
    # derived from total_appointments / last_visit_at by customers.segments (SPEC 4.9)
    segment = models.CharField(
        max_length=10, choices=Segment.choices, default="lead", editable=False
    )
    atlas_sharing = models.JSONField(default=default_atlas_sharing, blank=True)
    accounting_customer_id = models.CharField(max_length=64, blank=True)

    # derived by search.py; denormalized for the list and for index-ordered search
    name_key = models.CharField(max_length=200, default="", editable=False)
    last_first_key = models.CharField(max_length=200, default="", editable=False)
    company_key = models.CharField(max_length=200, default="", editable=False)
    primary_phone = models.CharField(max_length=20, blank=True, editable=False)
    primary_email = models.CharField(max_length=254, blank=True, editable=False)
    search_text = models.TextField(default="", editable=False)

    class Meta:
        ordering = ["name_key", "id"]
        indexes = [
            models.Index(fields=["organization", "name_key", "id"], name="customer_org_name_idx"),
            models.Index(
                fields=["organization", "segment", "name_key", "id"],
                name="customer_org_segment_idx",
            ),
            models.Index(
                fields=["organization", "last_first_key", "id"], name="customer_org_lastfirst_idx"
            ),
            models.Index(
                fields=["organization", "company_key", "id"], name="customer_org_companykey_idx"
            ),
            models.Index(
                fields=["organization", "created_at", "id"], name="customer_org_created_idx"
            ),
            models.Index(
                fields=["organization", "updated_at", "id"], name="customer_org_updated_idx"
            ),
            models.Index(
                fields=["organization", "lead_score", "id"], name="customer_org_score_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="customer_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(type__in=CustomerType.values), name="customer_valid_type"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CustomerStatus.values), name="customer_valid_status"
            ),
            models.CheckConstraint(
                condition=Q(lifecycle_stage__in=LifecycleStage.values),
                name="customer_valid_lifecycle_stage",
            ),
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="customer_valid_source"
            ),
            models.CheckConstraint(
                condition=Q(lead_score__lte=100), name="customer_lead_score_0_100"
            ),
            models.CheckConstraint(
                condition=Q(segment__in=Segment.values), name="customer_valid_segment"
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status="archived"),
                name="customer_merged_is_archived",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="customer_not_merged_into_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.display_name}".strip()

    @property
    def is_tombstone(self) -> bool:
        return self.merged_into_id is not None


class CustomerPhone(TenantModel):
    """A phone number in E.164 form; ``digits`` (E.164 without ``+``) is what fragment
    search looks in."""

    organization = unindexed_organization()
    created_at = unindexed_created_at()
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="phones", db_index=False
    )  # the unique constraint leads with it
    number = models.CharField(max_length=20, help_text="E.164, e.g. +15125550142")
    digits = models.CharField(max_length=20, editable=False)
    kind = models.CharField(max_length=8, choices=PhoneKind.choices, default="mobile")
    primary = models.BooleanField(default=False)
    consent_to_call = models.BooleanField(default=False)
    consent_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["customer", "position", "id"]
        indexes = [
            models.Index(fields=["organization", "number"], name="customerphone_org_number_idx"),
            models.Index(fields=["organization", "digits"], name="customerphone_org_digits_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "number"], name="customerphone_unique_number"
            ),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(primary=True), name="customerphone_one_primary"
            ),
            models.CheckConstraint(condition=Q(number__startswith="+"), name="customerphone_e164"),
            models.CheckConstraint(
                condition=Q(kind__in=PhoneKind.values), name="customerphone_valid_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CustomerEmail(TenantModel):
    """An email address as validated and normalized; ``key`` (casefolded) is what the
    duplicate check compares."""

    organization = unindexed_organization()
    created_at = unindexed_created_at()
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="emails", db_index=False
    )  # the unique constraint leads with it
    address = models.CharField(max_length=254)
    key = models.CharField(max_length=254, editable=False)
    kind = models.CharField(max_length=8, choices=EmailKind.choices, default="personal")
    primary = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["customer", "position", "id"]
        indexes = [
            models.Index(fields=["organization", "key"], name="customeremail_org_key_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "key"], name="customeremail_unique_key"),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(primary=True), name="customeremail_one_primary"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EmailKind.values), name="customeremail_valid_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.address


class CustomerAddress(TenantModel):
    organization = unindexed_organization()
    created_at = unindexed_created_at()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=8, choices=AddressKind.choices, default="home")
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    primary = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    key = models.CharField(
        max_length=240, default="", editable=False, help_text="street|postal code, folded"
    )

    class Meta:
        ordering = ["customer", "position", "id"]
        verbose_name_plural = "customer addresses"
        indexes = [
            models.Index(fields=["organization", "key"], name="customeraddress_org_key_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(primary=True),
                name="customeraddress_one_primary",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AddressKind.values), name="customeraddress_valid_kind"
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.street, self.city, self.state, self.postal_code) if p)


class CustomerTag(TenantModel):
    """One tag on one customer. A row per tag (not a JSON list) so that "customers
    tagged vip" is one b-tree range on both databases; JSON containment needs a GIN
    index on PostgreSQL and has no index at all on SQLite."""

    organization = unindexed_organization()
    created_at = unindexed_created_at()
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="tags", db_index=False
    )  # the unique constraint leads with it
    tag = models.CharField(max_length=40)

    class Meta:
        ordering = ["customer", "tag"]
        indexes = [
            models.Index(fields=["organization", "tag", "customer"], name="customertag_org_tag_idx")
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "tag"], name="customertag_unique"),
        ]

    def __str__(self) -> str:
        return self.tag


class CustomerNote(TenantModel):
    """A dated note entry by a staff member (the running ``Customer.notes`` is separate)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="note_entries")
    body = models.TextField()
    author = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_label = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "created_at", "id"], name="customernote_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class NotDuplicate(TenantModel):
    """A reviewer's decision that two customers sharing a phone, an email or an address
    are different people: the pair leaves the duplicates review. ``customer_a`` is the
    one with the smaller id, so each pair is stored once."""

    customer_a = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    customer_b = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    decided_by = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "customer_a", "customer_b"], name="notduplicate_unique_pair"
            ),
            models.CheckConstraint(
                condition=Q(customer_a__lt=models.F("customer_b")), name="notduplicate_ordered_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_a_id} ≠ {self.customer_b_id}"


class Vehicle(TenantModel):
    """A vehicle the business services. ``vin`` is unique per organization when known."""

    vin = models.CharField(max_length=17, null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=50, blank=True)
    trim = models.CharField(max_length=50, blank=True)
    engine = models.CharField(max_length=100, blank=True)
    plate = models.CharField(max_length=16, blank=True)
    plate_key = models.CharField(max_length=16, blank=True, editable=False)
    color = models.CharField(max_length=30, blank=True)
    mileage = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "plate_key"], name="vehicle_org_plate_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "vin"],
                condition=Q(vin__isnull=False),
                name="vehicle_unique_vin",
            ),
        ]

    def __str__(self) -> str:
        return self.label(self.year, self.make, self.model, self.vin, self.plate)

    @staticmethod
    def label(year, make: str, model: str, vin: str | None, plate: str) -> str:
        """What ``str(vehicle)`` says, from the columns (for code reading plain rows)."""
        words = " ".join(str(p) for p in (year, make, model) if p)
        return words or vin or plate or "vehicle"


class CustomerVehicle(TenantModel):
    """A customer's relationship to a vehicle (owner, co-owner, driver) and how they got it."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="vehicle_links")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="customer_links")
    relationship = models.CharField(
        max_length=10, choices=VehicleRelationship.choices, default="owner"
    )
    purchase_date = models.DateField(null=True, blank=True)
    purchase_type = models.CharField(max_length=4, choices=PurchaseType.choices, blank=True)
    finance_type = models.CharField(max_length=8, choices=FinanceType.choices, blank=True)
    finance_company = models.CharField(max_length=100, blank=True)
    estimated_payoff_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=VehicleLinkStatus.choices, default="active")
    is_current = models.BooleanField(default=True)
    is_serviced_here = models.BooleanField(default=True)
    primary_driver = models.BooleanField(default=False)
    annual_mileage = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "vehicle"], name="customervehicle_vehicle_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "vehicle"], name="customervehicle_unique"),
            models.CheckConstraint(
                condition=Q(relationship__in=VehicleRelationship.values),
                name="customervehicle_valid_relationship",
            ),
            models.CheckConstraint(
                condition=Q(status__in=VehicleLinkStatus.values),
                name="customervehicle_valid_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.relationship} {self.vehicle_id}"


class CustomerImport(TenantModel):
    """One CSV upload and what importing it did (``imports.py``). The file is kept in the
    row (at most ``IMPORT_MAX_BYTES``) so that any worker on any machine can run it.

    Revert needs no per-customer rows for what was created: each batch takes one block
    of customer numbers, recorded in ``created_ranges``; customers it changed keep their
    before-values in :class:`CustomerImportChange`."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"
        REVERTED = "reverted"

    class OnDuplicate(models.TextChoices):
        SKIP = "skip"
        UPDATE = "update"
        CREATE = "create"

    file_name = models.CharField(max_length=255, blank=True)
    content = models.BinaryField(editable=False)
    size = models.PositiveBigIntegerField(default=0)
    mapping = models.JSONField(default=dict, blank=True, help_text="CSV column → field")
    dry_run = models.BooleanField(default=False)
    on_duplicate = models.CharField(max_length=8, choices=OnDuplicate.choices, default="skip")
    status = models.CharField(max_length=10, choices=Status.choices, default="queued")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    created_ranges = models.JSONField(default=list, blank=True, editable=False)
    failure = models.TextField(blank=True)
    created_by = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "created_at", "id"], name="customerimport_org_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "completed", "failed", "reverted"]),
                name="customerimport_valid_status",
            ),
            models.CheckConstraint(
                condition=Q(on_duplicate__in=["skip", "update", "create"]),
                name="customerimport_valid_on_duplicate",
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.file_name or self.pk}"


class CustomerImportRowError(TenantModel):
    """Why one CSV row (1 = the first row after the header) was not imported."""

    customer_import = models.ForeignKey(
        CustomerImport, on_delete=models.CASCADE, related_name="row_errors"
    )
    row = models.PositiveIntegerField()
    field = models.CharField(max_length=100, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["customer_import", "row", "id"]
        indexes = [
            models.Index(fields=["customer_import", "row"], name="customerimporterror_row_idx"),
        ]

    def __str__(self) -> str:
        return f"row {self.row}: {self.field} {self.message}"


class CustomerImportChange(TenantModel):
    """What an import with ``on_duplicate=update`` changed on an existing customer, so that
    a revert can put it back: scalar fields before and after, contact rows it added."""

    customer_import = models.ForeignKey(
        CustomerImport, on_delete=models.CASCADE, related_name="changes"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    row = models.PositiveIntegerField()
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    added = models.JSONField(default=dict, help_text="{phones: [...], emails: [...], tags: [...]}")

    class Meta:
        ordering = ["customer_import", "row", "id"]

    def __str__(self) -> str:
        return f"{self.customer_import_id} changed {self.customer_id}"
