"""Deterministic synthetic TMDB objects for the benchmark (Python 3 standard library only).

The shapes copy tests/fixtures/tmdb: a movie's keys and their order are those of
movie/550.json, a cast or crew credit those of movie/550/credits.json, a review those
of movie/550/reviews.json, a person's credit those of person/525/movie_credits.json.
check_shapes() compares against those files, so the copies cannot drift silently.

Every value is a function of the movie or person id alone (each gets its own seeded
random.Random), so a movie is the same whichever generator or size asks for it.
Ids: credit and review ids are 24 hex digits like TMDB's ObjectIds (a timestamp, then
a bijective mix of movie id and slot), unique and in no particular order.
"""

import json
import os
import random
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "tmdb")

FIRST = ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
         "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa "
         "Daniel Nancy Matthew Betty Anthony Sandra Mark Ashley Paul Emily Steven Donna "
         "Andrew Michelle Kenneth Carol Joshua Amanda Kevin Melissa Brian Deborah George "
         "Stephanie Timothy Rebecca Ronald Sharon Edward Laura Jason Cynthia Jeffrey Amy "
         "Ryan Kathleen Jacob Angela Gary Shirley Nicholas Anna Eric Brenda José Zoë "
         "Aoife Björn Chloé Rafael Ngozi Hiroshi Priya Mateo Ingrid Kwame Léa Dmitri").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
        "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
        "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell "
        "Carter Roberts Byrne O'Connor Müller Dubois Rossi Tanaka Okafor Sharma Novák "
        "Lindqvist Kowalski Ferreira Haddad Ivanova").split()
ADJECTIVES = ("Silent Broken Last Hidden Burning Frozen Distant Golden Crimson Hollow Endless "
              "Restless Quiet Savage Lonely Electric Midnight Forgotten Bitter Wandering "
              "Invisible Fallen Northern Shattered Velvet Iron Paper Glass Secret Final").split()
NOUNS = ("Horizon River Kingdom Signal Harbor Witness Mirror Frontier Garden Machine Empire "
         "Shadow Island Promise Storm Memory Letter Station Orchard Voyage Engine Compass "
         "Lighthouse Verdict Tide Cathedral Archive Border Summer Equation").split()
GENRES = ((28, "Action"), (12, "Adventure"), (16, "Animation"), (35, "Comedy"), (80, "Crime"),
          (99, "Documentary"), (18, "Drama"), (14, "Fantasy"), (36, "History"), (27, "Horror"),
          (9648, "Mystery"), (10749, "Romance"), (878, "Science Fiction"), (53, "Thriller"))
COMPANIES = ((174, "Warner Bros. Pictures", "US"), (923, "Legendary Pictures", "US"),
             (9996, "Syncopy", "GB"), (25, "20th Century Fox", "US"), (33, "Universal Pictures", "US"),
             (4, "Paramount Pictures", "US"), (5, "Columbia Pictures", "US"), (2, "Walt Disney Pictures", "US"),
             (104, "Canal+", "FR"), (7, "DreamWorks Pictures", "US"), (711, "Fox 2000 Pictures", "US"))
COUNTRIES = (("US", "United States of America"), ("GB", "United Kingdom"), ("FR", "France"),
             ("DE", "Germany"), ("JP", "Japan"), ("CA", "Canada"))
LANGUAGES = (("English", "en", "English"), ("French", "fr", "Français"), ("Japanese", "ja", "日本語"),
             ("German", "de", "Deutsch"), ("Spanish", "es", "Español"))
CHARACTERS = ("Detective", "The Stranger", "Dr. Elena Vance", "Himself", "Officer", "Mother",
              "Young Tom", "Captain Reyes", "Narrator", "", "Bartender", "Agent Cole", "Nurse",
              "Professor Adler", "Guard #2", "Marie «Mimi» Laurent", "The Pilot", "Senator")
CREW_JOBS = (("Writing", "Screenplay"), ("Production", "Producer"), ("Production", "Executive Producer"),
             ("Camera", "Director of Photography"), ("Editing", "Editor"), ("Sound", "Original Music Composer"),
             ("Art", "Production Design"), ("Costume & Make-Up", "Costume Design"), ("Writing", "Writer"),
             ("Production", "Casting"), ("Directing", "First Assistant Director"))
SENTENCES = (
    "A quiet drama that slowly turns into something much stranger.",
    "Every frame looks like it was planned for months.",
    "The middle act sags a little — but the ending more than makes up for it.",
    "_**Not what I expected at all.**_",
    "The score does half the storytelling, and it does it well.",
    "I came for the spectacle and stayed for the performances.",
    "**Verdict:** worth the ticket, but not a masterpiece.",
    "The script is clever, maybe too clever for its own good.",
    "Some scenes drag; others are <em>unforgettable</em>.",
    "A naïve but charming story about family, loss and second chances.",
    "It's a film that trusts its audience, which is rare these days.",
    "The cinematography alone deserves a second viewing.",
    "Dialogue like \"we were never here\" lands harder than it should.",
    "Not every twist works, but the cast sells every one of them.",
    "An œuvre-defining turn from the lead; the supporting cast is uneven.",
    "Two hours flew by.",
)
STATUSES = ("Released",) * 18 + ("Post Production", "In Production")
PATH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
MASK64 = (1 << 64) - 1

# Slots keep every generated id unique: cast 0-39, crew 40-63, reviews 64-127.
CAST_SLOT, CREW_SLOT, REVIEW_SLOT, SLOTS = 0, 40, 64, 128
PERSON_POOL = 60000         # cast and crew are drawn from this many synthetic people
PERSON_BASE = 8900000       # their ids (the fixtures use 8800000-8899999)


def object_id(timestamp, movie_id, slot):
    """24 hex digits: 8 of Unix time, 16 of an odd-multiplier mix (a bijection, so unique)."""
    mixed = ((movie_id * SLOTS + slot + 1) * 0x9E3779B97F4A7C15) & MASK64
    return "%08x%016x" % (timestamp & 0xFFFFFFFF, mixed)


def _path_pool():
    rng = random.Random(27)
    return tuple("/" + "".join(rng.choice(PATH_CHARS) for _ in range(27)) for _ in range(8192))


PATH_POOL = _path_pool()    # drawing from a pool keeps generation fast; paths stay 27 base-62 chars


def image_path(rng, ext=".jpg"):
    return PATH_POOL[rng.getrandbits(13)] + ext


def person_name(index):
    name = "%s %s" % (FIRST[index % len(FIRST)], LAST[(index // len(FIRST)) % len(LAST)])
    rounds = index // (len(FIRST) * len(LAST))
    return name if rounds == 0 else "%s %s" % (name, "I" * min(rounds + 1, 3))


def day(rng, first_year, last_year):
    return "%04d-%02d-%02d" % (rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28))


def movie_rng(movie_id, salt=0):
    return random.Random(movie_id * 7919 + salt)


def movie_core(movie_id):
    """What a movie's details and the credits that name it share."""
    rng = movie_rng(movie_id)
    title = "The %s %s" % (rng.choice(ADJECTIVES), rng.choice(NOUNS))
    if rng.random() < 0.15:
        title += " %d" % rng.randint(2, 4)
    released = rng.random() > 0.01
    return {
        "adult": False,
        "backdrop_path": image_path(rng) if rng.random() > 0.05 else None,
        "genre_ids": [g[0] for g in rng.sample(GENRES, rng.randint(1, 3))],
        "id": movie_id,
        "original_language": rng.choice(("en",) * 6 + ("fr", "ja", "de")),
        "original_title": title,
        "overview": " ".join(rng.sample(SENTENCES, rng.randint(1, 3))),
        "popularity": round(rng.uniform(0.5, 90.0), 4),
        "poster_path": image_path(rng) if rng.random() > 0.05 else None,
        "release_date": day(rng, 1950, 2025) if released else "",
        "title": title,
        "video": False,
        "vote_average": round(rng.uniform(3.0, 9.0), 3) if released else 0,
        "vote_count": rng.randint(5, 40000) if released else 0,
    }


def movie_details(movie_id):
    """GET /movie/ID: the key set and order of the real 550."""
    core = movie_core(movie_id)
    rng = movie_rng(movie_id, 1)
    budget = rng.choice((0, rng.randint(1, 300) * 1000000))
    released = core["release_date"] != ""
    genre_names = dict(GENRES)
    return {
        "adult": False,
        "backdrop_path": core["backdrop_path"],
        "belongs_to_collection": None if rng.random() > 0.1 else {
            "id": 900000 + movie_id % 5000, "name": core["title"] + " Collection",
            "poster_path": image_path(rng), "backdrop_path": image_path(rng)},
        "budget": budget,
        "genres": [{"id": g, "name": genre_names[g]} for g in core["genre_ids"]],
        "homepage": "" if rng.random() < 0.4 else "https://example.com/movies/%d" % movie_id,
        "id": movie_id,
        "imdb_id": "tt%07d" % (movie_id % 10000000) if released else None,
        "origin_country": [c[0] for c in rng.sample(COUNTRIES, rng.randint(1, 2))],
        "original_language": core["original_language"],
        "original_title": core["original_title"],
        "overview": core["overview"],
        "popularity": core["popularity"],
        "poster_path": core["poster_path"],
        "production_companies": [
            {"id": c[0], "logo_path": image_path(rng, ".png") if rng.random() > 0.3 else None,
             "name": c[1], "origin_country": c[2]}
            for c in rng.sample(COMPANIES, rng.randint(1, 4))],
        "production_countries": [{"iso_3166_1": c[0], "name": c[1]}
                                 for c in rng.sample(COUNTRIES, rng.randint(1, 2))],
        "release_date": core["release_date"],
        "revenue": rng.randint(0, 3 * budget) if released and budget else 0,
        "runtime": rng.randint(80, 190) if released else 0,
        "spoken_languages": [{"english_name": lang[0], "iso_639_1": lang[1], "name": lang[2]}
                             for lang in rng.sample(LANGUAGES, rng.randint(1, 3))],
        "status": rng.choice(STATUSES) if released else "Post Production",
        "tagline": rng.choice(SENTENCES) if rng.random() > 0.3 else "",
        "title": core["title"],
        "video": False,
        "vote_average": core["vote_average"],
        "vote_count": core["vote_count"],
    }


def person_summary(rng, person_index, department):
    return {
        "adult": False,
        "gender": rng.choice((0, 1, 2, 2)),
        "id": PERSON_BASE + person_index,
        "known_for_department": department,
        "name": person_name(person_index),
        "original_name": person_name(person_index),
        "popularity": round(rng.uniform(0.1, 40.0), 3),
        "profile_path": image_path(rng) if rng.random() > 0.3 else None,
    }


def movie_credits(movie_id, director_id, director_name, cast_range=(20, 30), crew_range=(5, 12)):
    """GET /movie/ID/credits without its "id": cast and crew, the director first in crew."""
    rng = movie_rng(movie_id, 2)
    timestamp = 1300000000 + (movie_id * 7331) % 400000000
    cast = []
    for order in range(rng.randint(*cast_range)):
        credit = person_summary(rng, rng.randrange(PERSON_POOL), "Acting")
        credit["cast_id"] = order + rng.randint(1, 5)
        credit["character"] = rng.choice(CHARACTERS)
        credit["credit_id"] = object_id(timestamp + order, movie_id, CAST_SLOT + order)
        credit["order"] = order
        cast.append(credit)
    crew = []
    for n in range(rng.randint(*crew_range)):
        department, job = ("Directing", "Director") if n == 0 else rng.choice(CREW_JOBS)
        credit = person_summary(rng, rng.randrange(PERSON_POOL), department)
        if n == 0:
            credit.update(id=director_id, name=director_name, original_name=director_name)
        credit["credit_id"] = director_credit_id(movie_id) if n == 0 else \
            object_id(timestamp + n, movie_id, CREW_SLOT + n)
        credit["department"] = department
        credit["job"] = job
        crew.append(credit)
    return {"cast": cast, "crew": crew}


def director_credit_id(movie_id):
    """The same id in the movie's crew and in its director's movie_credits, as on TMDB."""
    return object_id(1300000000 + (movie_id * 7331) % 400000000, movie_id, CREW_SLOT)


def review_count(movie_id, profile):
    """"few": about 5 each (0-10); "pages": 0-12 with 8% on 2 pages and 4% on 3 (20 a page)."""
    rng = movie_rng(movie_id, 3)
    if profile == "few":
        return rng.choice((0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 10, 12))
    roll = rng.random()
    if roll < 0.04:
        return rng.randint(41, 60)
    if roll < 0.12:
        return rng.randint(21, 40)
    return rng.randint(0, 12)


def movie_reviews(movie_id, count):
    """Every review of a movie, sorted by created_at as TMDB sorts them."""
    rng = movie_rng(movie_id, 4)
    created = sorted(rng.randint(1300000000, 1761000000) for _ in range(count))
    reviews = []
    for n, when in enumerate(created):
        updated = when + (rng.randint(0, 90000000) if rng.random() < 0.3 else 0)
        username = "%s%d" % (rng.choice(NOUNS).lower(), rng.randint(1, 99))
        name = person_name(rng.randrange(PERSON_POOL)) if rng.random() < 0.5 else ""
        rating = rng.choice((None, rng.randint(1, 10), round(rng.uniform(1, 10) * 2) / 2))
        review_id = object_id(when, movie_id, REVIEW_SLOT + n)
        content = "\r\n\r\n".join(" ".join(rng.sample(SENTENCES, rng.randint(1, 4)))
                                  for _ in range(rng.randint(1, 3)))
        reviews.append({
            "author": name or username,
            "author_details": {"name": name, "username": username,
                               "avatar_path": image_path(rng) if rng.random() < 0.4 else None,
                               "rating": rating},
            "content": content,
            "created_at": iso_time(when, rng),
            "id": review_id,
            "updated_at": iso_time(updated, rng),
            "url": "https://www.themoviedb.org/review/" + review_id,
        })
    return reviews


def iso_time(seconds, rng):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".%03dZ" % rng.randrange(1000)


def person_credit(movie_id, fields):
    """One entry of /person/ID/movie_credits: the movie's summary, then the credit's fields
    in TMDB's order (cast: character, credit_id, order; crew: credit_id, department, job)."""
    credit = movie_core(movie_id)
    credit.update(fields)
    return credit


def person_movie_credits(person_id, directed, movie_id_range, salt=0):
    """/person/ID/movie_credits for a director: a Director credit on each movie of directed
    (one of them twice, as TMDB has such duplicates), other crew jobs on some of those and
    on others' movies, and a few cast credits, shuffled as TMDB's lists are."""
    rng = random.Random(person_id * 104729 + salt)
    first, last = movie_id_range
    crew = [person_credit(m, {"credit_id": director_credit_id(m), "department": "Directing",
                              "job": "Director"}) for m in directed]
    if directed:
        crew.append(person_credit(directed[0], {"credit_id": object_id(1400000000, directed[0], 63),
                                                "department": "Directing", "job": "Director"}))
    for n, movie_id in enumerate(rng.sample(range(first, last), min(len(directed) + 2, last - first))):
        department, job = rng.choice(CREW_JOBS)
        crew.append(person_credit(movie_id, {"credit_id": object_id(1500000000 + n, person_id, n % 64),
                                             "department": department, "job": job}))
    rng.shuffle(crew)
    cast = [person_credit(first + rng.randrange(last - first),
                          {"character": "Himself", "credit_id": object_id(1600000000, person_id, 64 + n),
                           "order": rng.randint(0, 30)}) for n in range(rng.randint(0, 3))]
    return {"cast": cast, "crew": crew, "id": person_id}


def person_details(person_id, name):
    """GET /person/ID: the key set and order of person/525.json."""
    rng = random.Random(person_id)
    return {
        "adult": False, "also_known_as": [], "biography": " ".join(rng.sample(SENTENCES, 2)),
        "birthday": day(rng, 1930, 1990), "deathday": None, "gender": rng.choice((1, 2)),
        "homepage": None, "id": person_id, "imdb_id": "nm%07d" % (person_id % 10000000),
        "known_for_department": "Directing", "name": name,
        "place_of_birth": None, "popularity": round(rng.uniform(1, 20), 4),
        "profile_path": image_path(rng),
    }


def check_shapes():
    """The generated key orders must be the fixtures' own."""
    def keys(rel, pick=lambda d: d):
        with open(os.path.join(FIXTURES, rel), encoding="utf-8") as fh:
            return list(pick(json.load(fh)).keys())
    credits = movie_credits(1, 2, "A B", (2, 2), (2, 2))
    reviews = movie_reviews(1, 1)
    people = person_movie_credits(5, [1, 2], (1, 9))
    details = person_details(5, "A B")
    expected = [
        (list(movie_details(1).keys()), keys("movie/550.json")),
        (list(credits["cast"][0].keys()), keys("movie/550/credits.json", lambda d: d["cast"][0])),
        (list(credits["crew"][1].keys()), keys("movie/550/credits.json", lambda d: d["crew"][0])),
        (list(reviews[0].keys()), keys("movie/550/reviews.json", lambda d: d["results"][0])),
        (list(reviews[0]["author_details"].keys()),
         keys("movie/550/reviews.json", lambda d: d["results"][0]["author_details"])),
        (list(people["crew"][0].keys()), keys("person/525/movie_credits.json", lambda d: d["crew"][0])),
        (list(people.keys()), keys("person/525/movie_credits.json")),
        (list(details.keys()), keys("person/525.json")),
    ]
    for got, want in expected:
        if got != want:
            raise SystemExit("synth: shape drifted from the fixtures:\n  got  %s\n  want %s" % (got, want))


def dumps(obj):
    """Compact UTF-8 like api.themoviedb.org."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
