"""Words and phrases the scale data set (`participation.scale`) builds its French contributions from.

Each contribution is a few sentences drawn from these lists, by theme: an opening, a proposal, a place, a reason,
sometimes a second idea or a closing. The combinations run into the millions, so the texts vary as citizens'
do, and searching them behaves as it would on real ones (common words, rare words, accents, stems).
"""

# fmt: off
FIRST_NAMES = [
    "Camille", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Louis", "Inès", "Gabriel", "Jade", "Arthur", "Emma",
    "Jules", "Zoé", "Nathan", "Sarah", "Théo", "Lina", "Raphaël", "Clément", "Anaïs", "Mathis", "Élise", "Noé",
    "Margaux", "Yanis", "Océane", "Maël", "Agathe", "Sacha", "Bérénice", "Karim", "Fatou", "Mehdi", "Nadia",
    "Thi Mai", "Sylvie", "Bernard", "Françoise", "Gérard", "Monique", "Jean-Luc", "Brigitte", "Pascal", "Odile",
    "Étienne", "Hélène", "Joël", "Aurélie", "François",
]
NICKNAMES = [
    "habitant du quartier", "parent d'élève", "cycliste du matin", "voisine attentive", "retraité actif",
    "jardinier amateur", "lycéenne", "commerçant", "promeneur du dimanche", "usagère du tram", "coureuse",
    "famille nombreuse", "nouvel arrivant", "association de quartier", "piéton pressé",
]
QUARTERS = [
    "Haussonville", "Les Provinces", "Mouja", "le Placieux", "Saint-Pierre", "les Trois Maisons", "Beauregard",
    "Boufflers", "le Charmois", "la Vieille-Ville", "Marcel Brot", "Rives de Meurthe", "Plateau de Haye",
    "Saurupt", "Blandan", "le centre-bourg", "la Californie", "les Nations", "Montet", "le Haut-du-Lièvre",
]
PLACES = [
    "près de l'école Jules-Ferry", "devant la médiathèque", "rue Saint-Dizier", "place du marché",
    "le long du canal", "à la sortie du collège", "autour de la mairie", "près de l'arrêt de tram",
    "dans le parc municipal", "sur le parking de la piscine", "avenue de la Libération", "au rond-point du stade",
    "derrière le gymnase", "entre la gare et le centre", "près de la maison de retraite", "rue des Jardiniers",
    "au carrefour des Quatre-Vents", "sur la place de l'église", "le long de la Meurthe", "près du city stade",
]
OPENINGS = [
    "Je propose que", "Ce serait bien que", "Il me semble important que", "Nous souhaiterions que",
    "Pourquoi ne pas faire en sorte que", "Bonjour, je souhaite que", "Merci pour cette démarche. Je propose que",
    "Habitant du quartier depuis vingt ans, je demande que", "En tant que parent, je souhaiterais que",
    "Après en avoir parlé avec mes voisins, nous proposons que", "À mon avis, il faudrait que",
    "Une idée simple : faire en sorte que", "J'utilise ce lieu tous les jours et je souhaite que",
    "Depuis l'an dernier, nous demandons que", "Il serait temps que",
]
PROPOSALS = {
    "mobilite": [
        "l'on installe des arceaux vélo sécurisés", "la vitesse soit limitée à 30 km/h",
        "le passage piéton soit rehaussé",
        "une piste cyclable séparée de la chaussée soit créée", "les trottoirs soient élargis",
        "la ligne de bus passe plus souvent le soir", "un abri vélo couvert soit construit",
        "le stationnement soit interdit devant l'école aux heures d'entrée", "une zone de rencontre soit créée",
        "les feux tricolores laissent plus de temps aux piétons", "une navette relie le plateau au centre",
        "le carrefour soit réaménagé pour la sécurité des cyclistes",
    ],
    "espaces-verts": [
        "l'on plante des arbres pour faire de l'ombre", "un jardin partagé soit créé",
        "les pelouses soient fauchées moins souvent pour les insectes", "des bancs soient ajoutés à l'ombre",
        "la cour soit végétalisée et débitumée", "des composteurs collectifs soient installés",
        "une fontaine à eau potable soit remise en service", "un verger municipal soit planté",
        "les haies soient replantées avec des essences locales", "l'éclairage du parc soit adapté à la faune",
        "des nichoirs soient posés", "une prairie fleurie remplace le gazon",
    ],
    "ecoles": [
        "la rue de l'école soit piétonne aux heures d'entrée et de sortie",
        "la cantine propose plus de produits locaux",
        "la cour soit repensée avec les enfants", "un préau soit construit pour les jours de pluie",
        "les sanitaires soient rénovés", "un coin lecture soit aménagé dans la cour",
        "un pédibus soit organisé avec les parents", "les classes soient mieux isolées contre la chaleur",
        "des jeux non genrés soient proposés", "l'accueil périscolaire ouvre plus tôt le matin",
    ],
    "vie-de-quartier": [
        "une boîte à livres soit installée", "une fête des voisins soit organisée chaque année",
        "un local associatif soit ouvert", "les poubelles soient vidées plus souvent",
        "l'éclairage public soit rénové", "un marché de producteurs ait lieu le samedi",
        "des toilettes publiques soient accessibles", "un espace de coworking soit proposé",
        "les tags soient effacés plus rapidement", "un café associatif ouvre ses portes",
        "une maison de santé s'installe", "les commerces de proximité soient soutenus",
    ],
    "budget": [
        "une partie du budget finance des projets d'habitants", "les comptes de la commune soient présentés simplement",
        "l'on investisse dans la rénovation énergétique des bâtiments",
        "les subventions aux associations soient maintenues",
        "le budget participatif soit doublé", "les habitants votent pour les projets retenus",
        "les dépenses d'éclairage soient réduites", "les projets des jeunes aient une enveloppe dédiée",
    ],
    "culture-et-sport": [
        "la médiathèque ouvre le dimanche",
        "un terrain de basket soit rénové", "des concerts gratuits aient lieu l'été",
        "un parcours sportif soit installé", "la piscine ouvre plus tard le soir", "un skatepark soit construit",
        "des ateliers d'artistes soient proposés aux enfants", "un festival de quartier soit organisé",
        "les vestiaires du stade soient rénovés", "une salle de répétition soit prêtée aux groupes",
    ],
}
REASONS = [
    "pour que les enfants puissent venir à pied en sécurité.",
    "car la circulation y est dangereuse aux heures de pointe.",
    "afin de rafraîchir le quartier pendant les canicules.", "pour favoriser les rencontres entre générations.",
    "parce que beaucoup d'habitants n'ont pas de voiture.", "car l'endroit est aujourd'hui peu accueillant.",
    "pour réduire le bruit et la pollution.", "afin que les personnes âgées puissent s'y reposer.",
    "ce qui rendrait le quartier plus vivant.", "car les familles en parlent souvent à la sortie de l'école.",
    "pour que chacun, quel que soit son handicap, puisse en profiter.", "et cela ne coûterait pas très cher.",
    "comme cela se fait déjà dans la commune voisine.", "pour accompagner la transition écologique.",
]
SECOND_THOUGHTS = [
    "On pourrait aussi demander l'avis des écoles.", "Il faudrait prévoir un entretien régulier.",
    "Les associations du quartier sont prêtes à aider.", "Un essai de quelques mois permettrait de voir.",
    "Attention toutefois au stationnement des riverains.", "Je suis prêt à participer à un atelier sur le sujet.",
    "La question de l'accessibilité doit être prise en compte dès le départ.", "Merci d'y réfléchir sérieusement.",
    "Plusieurs voisins partagent cet avis.", "Le conseil de quartier en a déjà discuté.",
]
CLOSINGS = ["Merci !", "Cordialement.", "Bonne continuation.", "Au plaisir d'en discuter.", "", "", ""]

COMMENTS = [
    "Tout à fait d'accord, c'est une très bonne idée.", "Je soutiens cette proposition, surtout pour les enfants.",
    "Pas convaincu : qui va entretenir cela ?", "Bonne idée, mais il faudrait d'abord régler le stationnement.",
    "Nous en parlions justement au conseil de quartier.", "Et pourquoi pas au printemps, pour commencer ?",
    "Cela existe déjà à Vandœuvre et ça fonctionne bien.", "Il faudrait penser aux personnes à mobilité réduite.",
    "Merci pour cette idée, je la partage avec mes voisins.", "Le coût me semble élevé pour la commune.",
]
ANSWER_TEXTS = {
    "under_study": "Merci pour cette proposition : les services techniques l'étudient et reviendront vers vous.",
    "retained": "Votre idée est retenue : elle sera mise en œuvre dans le cadre du programme de travaux.",
    "done": "C'est fait : l'aménagement a été réalisé, merci pour votre contribution.",
    "not_retained": "Cette proposition n'est pas retenue : elle n'est pas compatible avec le plan de circulation.",
}
PROCESS_TOPICS = {
    "mobilite": ["Plan vélo", "Apaiser la circulation", "Nouvelles lignes de bus", "Zone 30", "Stationnement"],
    "espaces-verts": ["Végétaliser", "Un parc pour", "Jardins partagés", "Îlots de fraîcheur", "Arbres en ville"],
    "ecoles": ["Rues aux écoles", "Cours d'école", "Restauration scolaire", "Périscolaire"],
    "vie-de-quartier": ["Vivre ensemble", "Propreté", "Commerces de proximité", "Éclairage public"],
    "budget": ["Budget participatif", "Priorités d'investissement"],
    "culture-et-sport": ["Équipements sportifs", "Saison culturelle", "Médiathèque", "Fêtes de quartier"],
}
# fmt: on
