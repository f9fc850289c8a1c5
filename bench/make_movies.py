#!/usr/bin/env python3
"""Generate JSON Lines for the shaping, loading and memory benchmarks (stdlib only).

    make_movies.py movies COUNT    COUNT movie objects as `tmdb-fetch movie` prints them:
                                   details, .credits (20-30 cast, 5-12 crew) and .reviews
                                   (about 5, every page merged), one per line
    make_movies.py people COUNT    /person/ID/movie_credits objects, as `tmdb-fetch person`
                                   prints them, whose Director credits cover COUNT movies
                                   (20 a person): tmdb-director's input at that size

Streaming and deterministic: the same COUNT gives the same bytes, and the first N lines
of a larger run are the lines of a run of N.
"""

import argparse
import sys

import synth

FIRST_MOVIE_ID = 10000000
FIRST_DIRECTOR_ID = 7700000
MOVIES_PER_DIRECTOR = 20


def director_of(index):
    return FIRST_DIRECTOR_ID + index // MOVIES_PER_DIRECTOR


def movie_details(index):
    return synth.movie_details(FIRST_MOVIE_ID + index)


def movie_credits(index):
    """/movie/ID/credits without its "id"."""
    director_id = director_of(index)
    return synth.movie_credits(FIRST_MOVIE_ID + index, director_id,
                               synth.person_name(director_id - FIRST_DIRECTOR_ID))


def movie_reviews(index):
    """Every review of the movie (at most 12: one page)."""
    movie_id = FIRST_MOVIE_ID + index
    return synth.movie_reviews(movie_id, synth.review_count(movie_id, "few"))


def movie_line(index):
    movie = movie_details(index)
    movie["credits"] = movie_credits(index)
    reviews = movie_reviews(index)
    movie["reviews"] = {"page": 1, "results": reviews,
                        "total_pages": max(1, -(-len(reviews) // 20)),
                        "total_results": len(reviews)}
    return synth.dumps(movie)


def people_lines(count):
    ids = (FIRST_MOVIE_ID, FIRST_MOVIE_ID + count)
    for first in range(0, count, MOVIES_PER_DIRECTOR):
        directed = [FIRST_MOVIE_ID + i for i in range(first, min(first + MOVIES_PER_DIRECTOR, count))]
        yield synth.dumps(synth.person_movie_credits(director_of(first), directed, ids))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=("movies", "people"))
    parser.add_argument("count", type=int)
    args = parser.parse_args()
    if args.count < 1:
        parser.error("COUNT must be at least 1")
    synth.check_shapes()
    out = sys.stdout
    if args.kind == "movies":
        for index in range(args.count):
            out.write(movie_line(index))
            out.write("\n")
    else:
        for line in people_lines(args.count):
            out.write(line)
            out.write("\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
