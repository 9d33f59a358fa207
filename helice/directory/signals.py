"""Keep organisations' search documents current when the reference data they
quote (a sector's or a commune's name) changes. Core cannot call the directory,
so the directory listens."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from helice.core.models import Commune, Sector

from . import services
from .models import Organization


@receiver(post_save, sender=Sector, dispatch_uid="directory_reindex_on_sector_save")
def _sector_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        transaction.on_commit(
            lambda: services.organization_reindex_all(queryset=Organization.objects.filter(sectors=instance))
        )


@receiver(post_save, sender=Commune, dispatch_uid="directory_reindex_on_commune_save")
def _commune_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        transaction.on_commit(
            lambda: services.organization_reindex_all(queryset=Organization.objects.filter(commune=instance))
        )
