"""Build the hand-made bilingual benchmark: a crowded directory of 340 fictional colleagues and
questions whose right answer is known.

    python benchmarks/data/make_bilingual.py   # writes benchmarks/data/bilingual/{profiles.json,queries.jsonl}

Each topic has one go-to expert (level 5, with contributions on the topic); 300 other colleagues
list the same topics at levels 1-2 (and some at 3 without contributions). Every question names one
topic in a different way: the skill as written, in the other language, with a typo, as a compound
written apart or together, in a Dutch or English question full of stop words, in other case or with
accents, or a topic that exists only in the expert's contributions. Deterministic (fixed seed).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

# (id, expert's skill as declared or None when only contributions show it, contribution titles,
#  questions that should find this expert: (kind, text))
TOPICS: list[tuple[str, str | None, list[str], list[tuple[str, str]]]] = [
    ("crowdfunding", "crowdfunding", ["Hoe we onze documentaire met crowdfunding financierden"],
     [("plain", "crowdfunding"), ("typo", "crowdfundnig"), ("nl-question", "Wie weet iets van crowdfunding?")]),
    ("wol", "working out loud", ["Onze eerste WOLWEEK"],
     [("en-question", "Who knows about working out loud?"), ("abbreviation", "WOL"),
      ("translation", "werken in het openbaar")]),
    ("mooc", None, ["Lessons from moderating a MOOC with 4000 learners", "Een MOOC ontwerpen in zes weken"],
     [("contribution-only", "MOOC moderatie"), ("en-question", "Does anyone have experience with MOOC design?")]),
    ("pkm", "persoonlijk kennismanagement", ["Seek, sense, share: mijn PKM-routine"],
     [("abbreviation", "PKM"), ("translation", "personal knowledge management")]),
    ("intervisie", "intervisie", ["Intervisie met de incidentmethode"],
     [("plain", "Intervisie"), ("translation", "intervision"), ("nl-question", "Ken jij iemand die intervisie kan begeleiden?")]),
    ("leadership", "leiderschapsprogramma", ["Evaluatie van het leiderschapsprogramma"],
     [("translation", "leadership programme"), ("word-order", "programma leiderschap")]),
    ("702010", "70-20-10", ["70-20-10 in de praktijk"],
     [("plain", "70-20-10"), ("nl-question", "Wie heeft ervaring met het 70-20-10 model?")]),
    ("yammer", "yammer", ["Een Yammer-community die blijft leven"],
     [("plain", "Yammer"), ("case", "YAMMER")]),
    ("km", "kennismanagement", ["Kennismanagement in een ministerie"],
     [("compound-apart", "kennis management"), ("translation", "knowledge management")]),
    ("km2", "kennis delen", ["Kennis delen met een talentenoverzicht"],
     [("compound-together", "kennisdelen"), ("translation", "knowledge sharing")]),
    ("change", "verandermanagement", ["Veranderen doe je samen"],
     [("translation", "change management"), ("compound-apart", "verander management"), ("plain", "verandermanagement")]),
    ("groundwater", "grondwater", ["Grondwaterstanden na droge zomers"],
     [("translation", "groundwater"), ("en-question", "Who can tell me about groundwater levels?")]),
    ("avg", "AVG", ["AVG voor beleidsmakers"],
     [("short", "AVG"), ("translation", "GDPR"), ("nl-question", "Mag ik volgens de AVG deelnemerslijsten bewaren?")]),
    ("r", "R", ["Reproduceerbare analyses in R"],
     [("short", "R"), ("en-question", "Who can help me with R?")]),
    ("java", "Java", ["Java 21 in productie"],
     [("short", "Java"), ("case", "java")]),
    ("javascript", "JavaScript", ["Toegankelijke formulieren in JavaScript"],
     [("plain", "JavaScript"), ("abbreviation", "JS")]),
    ("python", "Python", ["Tekstclassificatie met Python"],
     [("plain", "python"), ("nl-question", "Wie kan mij helpen met Python?")]),
    ("storytelling", "storytelling", ["Verhalen vertellen in campagnes"],
     [("plain", "storytelling"), ("translation", "verhalen vertellen")]),
    ("dataviz", "datavisualisatie", ["Heldere grafieken voor beleidsnotities"],
     [("translation", "data visualisation"), ("compound-apart", "data visualisatie")]),
    ("infosec", "informatiebeveiliging", ["Phishing-oefeningen: wat leren we ervan?"],
     [("translation", "information security"), ("typo", "informatiebeveliging")]),
    ("procurement", "aanbesteding", ["Europees aanbesteden zonder stress"],
     [("translation", "procurement"), ("plain", "aanbestedingen")]),
    ("subsidy", "subsidie", ["Subsidieregelingen op een rij"],
     [("translation", "grants"), ("plain", "subsidies")]),
    ("coaching", "coaching", ["Coachen van nieuwe teamleiders"],
     [("plain", "coaching"), ("nl-question", "Wie kan mij coachen?")]),
    ("mentoring", "mentoring", ["Mentorprogramma voor starters"],
     [("translation", "mentoraat"), ("plain", "mentoring")]),
    ("accessibility", "toegankelijkheid", ["WCAG in de praktijk"],
     [("translation", "accessibility"), ("abbreviation", "WCAG")]),
    ("scrum", "scrum", ["Retrospectives die tot verandering leiden"],
     [("plain", "Scrum"), ("en-question", "Is there a scrum master who can help our team?")]),
    ("designthinking", "design thinking", ["Design thinking voor beleid"],
     [("plain", "design thinking"), ("translation", "ontwerpdenken")]),
    ("onboarding", "onboarding", ["Checklist inwerken nieuwe collega's"],
     [("translation", "inwerken"), ("plain", "onboarding")]),
    ("gamification", "gamificatie", ["Spelelementen in e-learning"],
     [("translation", "gamification"), ("typo", "gamificatoin")]),
    ("elearning", "e-learning", ["Een e-learning die mensen afmaken"],
     [("plain", "e-learning"), ("translation", "online leren")]),
    ("microlearning", "microlearning", ["Modules van vijf minuten"],
     [("plain", "microlearning"), ("translation", "microleren")]),
    ("climate", "klimaatadaptatie", ["Hittestress in de stad"],
     [("translation", "climate adaptation"), ("compound-apart", "klimaat adaptatie")]),
    ("energy", "energietransitie", ["Burgerparticipatie in de energietransitie"],
     [("translation", "energy transition"), ("nl-question", "Wie weet er veel van de energietransitie?")]),
    ("woo", "Woo", ["Actief openbaar maken onder de Woo"],
     [("short", "Woo"), ("translation", "wet open overheid")]),
    ("statistics", "statistiek", ["Betrouwbaarheidsintervallen uitgelegd"],
     [("translation", "statistics"), ("typo", "statistek")]),
    ("ml", "machine learning", ["Een model voor Kamervragen"],
     [("plain", "machine learning"), ("abbreviation", "ML")]),
    ("facilitation", "facilitatie", ["Grote groepen begeleiden"],
     [("translation", "facilitation"), ("plain", "faciliteren")]),
    ("presenting", "presenteren", ["Presenteren zonder slides"],
     [("translation", "presentation skills"), ("en-question", "Who could coach me on presenting?")]),
    ("community", "community management", ["Kerngebruikers en moderators"],
     [("compound-together", "communitymanagement"), ("plain", "community management")]),
    ("privacy", "privacy officer", ["Een DPIA in vijf stappen"],
     [("accents", "prïvacy officer"), ("translation", "functionaris gegevensbescherming")]),
    ("socialearning", "sociaal leren", ["Social learning: wat is het precies?"],
     [("translation", "social learning"), ("nl-question", "Wie kan ons helpen met sociaal leren in het team?")]),
    ("coordination", "coördinatie", ["Coördinatie van crisisoefeningen"],
     [("accents", "coordinatie"), ("case", "CoÖrdinatie")]),
]

FIRST = ["Sanne", "Bram", "Fatima", "Joost", "Lotte", "Pieter", "Eva", "Daan", "Noor", "Ruben", "Anouk",
         "Thomas", "Sophie", "Lucas", "Mila", "Jesse", "Iris", "Milan", "Zoë", "Özlem", "Kees", "Hanna",
         "Wouter", "Femke", "Sem", "Julia", "Tim", "Sara", "Niels", "Emma", "Bas", "Ngozi", "Yusuf"]
LAST = ["de Vries", "Jansen", "El Amrani", "van Dijk", "Bakker", "Smit", "Mulder", "Visser", "Hendriks",
        "de Boer", "Peters", "Meijer", "de Graaf", "Vos", "Dekker", "Bos", "Willems", "Kok", "Çelik",
        "Vermeulen", "Bosman", "de Jong", "Brouwer", "Dijkstra", "Hoekstra", "van der Linden", "Yılmaz"]
FILLER_TITLES = ["Weekverslag team", "Terugblik op het teamuitje", "Notulen overleg", "Planning Q3",
                 "Nieuwe collega's voorgesteld", "Verslag heidag"]


def build(seed: int = 20261122) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    rng = random.Random(seed)
    declared = [skill for _, skill, _, _ in TOPICS if skill]
    people: list[dict[str, object]] = []
    for number in range(300):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        skills = [{"name": s, "level": rng.choice([1, 1, 2, 2, 3])} for s in rng.sample(declared, 4)]
        contributions = [{"kind": "post", "title": f"{rng.choice(FILLER_TITLES)} {number}",
                          "date": f"2024-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
                          "text": "Overleg, planning en afspraken voor de komende weken."}]
        people.append({"id": f"c{number:03}", "name": name, "skills": skills,
                       "interests": rng.sample(declared, 2), "contributions": contributions})
    queries: list[dict[str, object]] = []
    for number, (topic, skill, titles, questions) in enumerate(TOPICS):
        expert: dict[str, object] = {
            "id": f"expert-{topic}", "name": f"{FIRST[number % len(FIRST)]} {LAST[(number * 7) % len(LAST)]}",
            "skills": [{"name": skill, "level": 5}] if skill else [],
            "contributions": [{"kind": rng.choice(["blog", "talk", "workshop"]), "title": title,
                               "tags": [skill] if skill else [], "date": f"2025-0{1 + i}-15"}
                              for i, title in enumerate(titles)],
        }
        if skill is None:
            expert["contributions"][0]["tags"] = ["mooc", "moderatie"]  # type: ignore[index]
        people.append(expert)
        for kind, text in questions:
            queries.append({"id": f"{kind}:q{len(queries) + 1}", "query": text,
                            "relevant": [f"expert-{topic}"]})
    rng.shuffle(people)
    return people, queries


def main() -> None:
    people, queries = build()
    folder = Path(__file__).resolve().parent / "bilingual"
    folder.mkdir(exist_ok=True)
    (folder / "profiles.json").write_text(
        json.dumps({"people": people}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8")
    print(f"{len(people)} people, {len(queries)} queries -> {folder}")


if __name__ == "__main__":
    main()
