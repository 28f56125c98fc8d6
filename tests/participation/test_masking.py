"""Anonymised exports mask what says who wrote a text, in the forms people write it to dodge robots."""

import pytest
from django.urls import reverse

from participation.services.personal_data import mask_personal_data
from tests.participation.conftest import add_contribution
from tests.participation.test_personal_data import read_csv

# (text, the author's names, what must be gone)
MASKED = [
    ("Écrivez à jean [at] example.org", (), "jean"),
    ("jean (at) example (dot) org", (), "example"),
    ("jean{at}example[dot]org", (), "jean"),
    ("jean arobase example point org", (), "jean"),
    ("jean @ example.org", (), "jean"),
    ("jean.dupont at mail dot fr", (), "dupont"),
    ("jean.dupont@mail.fr", (), "dupont"),
    ("voir www.example.org/x", (), "example"),
    ("voir example.org/page", (), "example"),
    ("le site nancy.fr/agenda", (), "nancy"),
    ("https://exemple.fr/x", (), "exemple"),
    ("appelez le 06 12 34 56 78", (), "56 78"),
    ("ou le +33 6 12 34 56 78", (), "56 78"),
    ("ou le 06.12.34.56.78", (), "56.78"),
    ("Merci, signé Jean Dupont", (), "Dupont"),
    ("Cordialement, Jean-Pierre Martin", (), "Martin"),
    ("Mme Martin et M. Durand sont d'accord", (), "Durand"),
    ("Je m'appelle Lucie Bernard", (), "Bernard"),
    ("Moi, Camille, je propose des bancs", ("Camille", "camille@example.org"), "Camille"),
    ("Jean Dupont propose un banc", ("JD", "jean.dupont@mail.fr"), "Dupont"),
    ("Dupont Jean, riverain", ("JD", "jean.dupont@mail.fr"), "Dupont"),
]
READABLE = [
    "rendez-vous à 18h30 place Stanislas",
    "Monsieur le Maire, la cour est trop petite.",
    "Le point de vue depuis le parc est beau.",
    "Le 12.05.2024 à 9h, 3,5 km à pied, etc. Le parc ferme à 20h.",
    "Il faut plus de bancs at the park, chez Paul c'est mieux.",
    "Un arbre, p.ex. un tilleul, au 12 rue des Lilas.",
    "Le budget est de 15 000 €, soit 2 % du total.",
]


@pytest.mark.parametrize(("text", "names", "gone"), MASKED)
def test_masking_catches_what_says_who(text, names, gone):
    masked = mask_personal_data(text, names=names)

    assert gone.lower() not in masked.lower(), masked
    assert "masqué]" in masked


@pytest.mark.parametrize("text", READABLE)
def test_ordinary_french_sentences_stay_readable(text):
    assert mask_personal_data(text, names=("Camille", "camille@example.org")) == text


def test_the_anonymised_export_masks_obfuscated_addresses_and_the_authors_own_name(client, process, moderators):
    add_contribution(
        process,
        "Moi, Camille, je propose des bancs. Écrivez à camille [at] example.org ou voir example.org/bancs",
        pseudonym="Camille",
        email="camille.martin@example.org",
    )
    add_contribution(process, "Des arbres. Signé Jean Dupont", pseudonym="Pseudo")
    client.force_login(moderators[0])

    rows = read_csv(client.get(reverse("participation_export", args=[process.pk, "csv"])))
    texts = " ".join(row[-1] for row in rows[1:])

    assert "Camille" not in texts and "example.org" not in texts and "Dupont" not in texts
    assert "je propose des bancs" in texts and "Des arbres." in texts
