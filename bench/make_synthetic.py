#!/usr/bin/env python3
"""Generate a fixtures folder of synthetic directors for tests/fake_tmdb.py (stdlib only).

    make_synthetic.py OUT [--people N] [--movies M]

Writes OUT/person/ID.json, OUT/person/ID/movie_credits.json, OUT/movie/ID.json,
OUT/movie/ID/credits.json and OUT/movie/ID/reviews.json in the layout of
tests/fixtures/tmdb (see tests/fixtures/README.md), with the shapes of its 550 and
525 files.  Movie i of M (ids 7000000 + i) is directed by person i mod N (ids
7600000 + j); each has 20-30 cast, 5-12 crew and a few reviews, 8% of the movies two
review pages and 4% three.  Also prints the person ids, one a line, on standard output.
Deterministic: the same arguments write the same bytes.
"""

import argparse
import os
import sys

import synth

FIRST_MOVIE_ID = 7000000
FIRST_PERSON_ID = 7600000


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(synth.dumps(obj))
        fh.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--people", type=int, default=25)
    parser.add_argument("--movies", type=int, default=500)
    args = parser.parse_args()
    if args.people < 1 or args.movies < args.people:
        parser.error("need 1 <= people <= movies")
    synth.check_shapes()
    movie_range = (FIRST_MOVIE_ID, FIRST_MOVIE_ID + args.movies)
    for j in range(args.people):
        person_id = FIRST_PERSON_ID + j
        name = synth.person_name(7 * j + 11)
        directed = [FIRST_MOVIE_ID + i for i in range(j, args.movies, args.people)]
        write_json(os.path.join(args.out, "person", "%d.json" % person_id),
                   synth.person_details(person_id, name))
        write_json(os.path.join(args.out, "person", str(person_id), "movie_credits.json"),
                   synth.person_movie_credits(person_id, directed, movie_range))
        for movie_id in directed:
            base = os.path.join(args.out, "movie", str(movie_id))
            write_json(base + ".json", synth.movie_details(movie_id))
            write_json(os.path.join(base, "credits.json"),
                       dict({"id": movie_id}, **synth.movie_credits(movie_id, person_id, name)))
            reviews = synth.movie_reviews(movie_id, synth.review_count(movie_id, "pages"))
            write_json(os.path.join(base, "reviews.json"), {"id": movie_id, "results": reviews})
        print(person_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
