import factory

from communes.models import Commune
from communes.services import CommuneFacts


class CommuneFactsFactory(factory.Factory):
    class Meta:
        model = CommuneFacts

    name = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.Sequence(lambda n: f"commune-{n}")
    insee_code = factory.Sequence(lambda n: f"54{n:03d}")
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
