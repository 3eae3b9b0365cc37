"""The truth oracle's own words: month names, kind words and sentence shapes, written from
what a reader sees (no notifier code)."""

MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
}
KINDS = {
    "fr": {
        "mission_together": ("une mission ensemble", "missions ensemble"),
        "introduction": ("une mise en relation", "mises en relation"),
        "help_given": ("un coup de main", "coups de main"),
        "meeting": ("un rendez-vous", "rendez-vous"),
        "lunch": ("un déjeuner", "déjeuners"),
        "event": ("un événement du cabinet", "événements du cabinet"),
        "call": ("un appel", "appels"),
        "article_shared": ("un article partagé", "articles partagés"),
        "message": ("un message", "messages"),
        "rekindled": ("une reprise de contact", "reprises de contact"),
    },
    "en": {
        "mission_together": ("a mission together", "missions together"),
        "introduction": ("an introduction", "introductions"),
        "help_given": ("a helping hand", "helping hands"),
        "meeting": ("a meeting", "meetings"),
        "lunch": ("a lunch", "lunches"),
        "event": ("a firm event", "firm events"),
        "call": ("a call", "calls"),
        "article_shared": ("an article shared", "articles shared"),
        "message": ("a message", "messages"),
        "rekindled": ("a catch-up", "catch-ups"),
    },
}
LAST = {"fr": ("dernier échange", "dernière fois"), "en": ("last exchange", "last crossed")}
SINCE = {"fr": "depuis", "en": "since"}
HIGH = {
    "fr": ("au plus fort", "moment fort", "culminé"),
    "en": ("strongest", "high point", "peaked"),
}
ONE = {"fr": ("moment partagé", "souvenir commun"), "en": ("moment you shared", "shared memory")}
OTHER_LINES = {
    "fr": (
        "point commun",
        "points communs",
        "vous rapproche",
        "intérêt pour",
        "connaît",
        "horizons",
        "terrains",
        "du nouveau",
    ),
    "en": (
        "in common",
        "brings you together",
        "interest in",
        "knows",
        "horizons",
        "ground",
        "news:",
    ),
}
# Words of an invitation to something nobody scheduled, or of asking for company.
UNNAMED_EVENTS = {
    "fr": ("afterwork", "petit-déjeuner", "événement du cabinet", "prochain", "accompagner"),
    "en": ("afterwork", "breakfast", "firm's next", "firm event", "take along", "come along"),
}
PLURAL_OPENING = {
    "fr": ("quelques", "personnes", "des liens", "des idées"),
    "en": ("a few", "people", "ideas for"),
}
SINGULAR_OPENING = {
    "fr": (
        "une personne",
        "un lien à",
        "une idée",
        "un geste simple pour",
        "un signe à",
        "en voici un ",
    ),
    "en": (
        "one person",
        "a link to",
        "an idea",
        "one simple gesture",
        "someone",
        "a sign to",
        "here is one",
    ),
}
QUOTED = {"fr": r"« (.+?) »", "en": r"“(.+?)”"}
# An introduction names someone the other person has never met.
INTRODUCE = {
    "fr": (
        r"Présentez \S+ à (.+?) ;",
        r"en relation avec (.+?) ;",
        r"se rencontrer \S+ et (.+?), qui",
    ),
    "en": (r"Introduce \S+ to (.+?);", r"in touch with (.+?);", r"bring \S+ and (.+?) together"),
}
NEW_MISSION = {"fr": "nouvelle mission", "en": "new mission"}
NEWS_DAYS = 120  # how old a mission may be and still be news (docs/link-model.md, the hook)
