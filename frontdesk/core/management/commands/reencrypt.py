from django.apps import apps
from django.core.management.base import BaseCommand

from frontdesk.core.crypto import EncryptedTextField
from frontdesk.core.tenancy import TenantModel, tenant_scope
from frontdesk.organizations.models import Organization


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """Every model with encrypted columns, and those columns."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


class Command(BaseCommand):
    help = (
        "Encrypt every stored secret again with the newest key of FRONTDESK_ENCRYPTION_KEYS "
        "(the first one). Rotating a key: put the new key in front, restart, run this, then "
        "drop the old key. Safe to run again; rows are rewritten one organization at a time."
    )

    def handle(self, *args, **options):
        total = 0
        for model, names in encrypted_fields():
            label = model._meta.label
            if issubclass(model, TenantModel):
                count = 0
                for org in Organization.objects.order_by("pk"):
                    with tenant_scope(org):
                        count += self._rewrite(model, names)
            else:
                count = self._rewrite(model, names)
            self.stderr.write(f"{label}: {count} rows encrypted with the newest key")
            total += count
        self.stdout.write(f"{total} rows re-encrypted")

    @staticmethod
    def _rewrite(model, names: list[str]) -> int:
        count = 0
        # read in clear (every key decrypts), write back (the first key encrypts)
        for pk, *values in model.objects.values_list("pk", *names).iterator():
            model.objects.filter(pk=pk).update(**dict(zip(names, values, strict=True)))
            count += 1
        return count
