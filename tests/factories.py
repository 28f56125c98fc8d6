import datetime

import factory
from django.db.models import Max

from communes.models import Commune, Convention, ConventionTextVersion, ProviderContract
from communes.services import CommuneFacts


class CommuneFactsFactory(factory.Factory):
    class Meta:
        model = CommuneFacts

    name = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.LazyAttribute(lambda facts: facts.name.lower().replace(" ", "-"))
    # Away from the codes tests name (54184 for Essey-lès-Nancy, built once per module): never the same.
    insee_code = factory.Sequence(lambda n: f"{88000 + n % 1000}")
    postal_codes = "54000"
    population = 1000
    population_year = 2021


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune

    name = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.Sequence(lambda n: f"commune-{n}")
    insee_code = factory.Sequence(lambda n: f"57{n:03d}")
    postal_codes = "57000"
    population = 1000
    population_year = 2021


class ProviderContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderContract

    provider = "Open Source Politics (OSP)"
    starts_on = datetime.date(2020, 1, 1)
    ends_on = datetime.date(2099, 12, 31)
    annual_cost = "14000.00"


class ConventionTextVersionFactory(factory.django.DjangoModelFactory):
    """A published version of the règlement."""

    class Meta:
        model = ConventionTextVersion
        skip_postgeneration_save = True

    number = factory.LazyFunction(
        lambda: (ConventionTextVersion.objects.aggregate(Max("number"))["number__max"] or 0) + 1
    )
    live = False
    adopted_on = datetime.date(2021, 9, 23)
    body = "<p>Article 1 – Objet de la convention.</p>"

    @factory.post_generation
    def publish(version, create, extracted, **kwargs):
        if create and extracted is not False:
            version.save_revision().publish()


class ConventionFactory(factory.django.DjangoModelFactory):
    """An active convention (notified in 2022) unless told otherwise."""

    class Meta:
        model = Convention

    commune = factory.SubFactory(CommuneFactory)
    text_version = factory.LazyFunction(
        lambda: ConventionTextVersion.objects.filter(live=True).first() or ConventionTextVersionFactory()
    )
    commune_deliberation_on = datetime.date(2022, 3, 28)
    signatory_name = "Michel Breuille"
    signatory_title = "Maire"
    metropole_deliberation_on = datetime.date(2021, 9, 23)
    signed_on = datetime.date(2022, 3, 29)
    notified_on = datetime.date(2022, 3, 29)
