#!/usr/bin/env python3
"""The fake TMDB serving a catalog of generated movies, computed when asked (stdlib only).

    fake_catalog.py --movies N --fixtures DIR --state-dir DIR [--api-key KEY]
                    [--latency-ms MS] [--owner-pid PID]

tests/fake_tmdb.py's server (the same routes, ETags, gzip, latency and
STATE_DIR/requests.jsonl), whose movie/ID, movie/ID/credits and movie/ID/reviews are,
for the N ids that `make_movies.py movies N` writes (10000000 and up), the parts of
those same movies: `tmdb-fetch movie` of an id gives make_movies.py's line for it.
Nothing is generated ahead or kept, so a catalog of 100,000 movies starts at once and
takes no more memory than 10; every other path is served from the fixtures in DIR.
"""

import argparse
import os
import re
import sys

import make_movies

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
import fake_tmdb  # noqa: E402  (after its folder is on the path)

MOVIE_PATH = re.compile(r"movie/(\d+)(/credits|/reviews)?")


def catalog_store(count):
    """A fake_tmdb.Store whose catalog movies are computed on each request."""

    class CatalogStore(fake_tmdb.Store):
        def get(self, path):
            match = MOVIE_PATH.fullmatch(path)
            index = int(match.group(1)) - make_movies.FIRST_MOVIE_ID if match else -1
            if not 0 <= index < count:
                return super().get(path)
            part = match.group(2)
            if part == "/credits":
                return dict({"id": int(match.group(1))}, **make_movies.movie_credits(index))
            if part == "/reviews":
                return {"id": int(match.group(1)), "results": make_movies.movie_reviews(index)}
            return make_movies.movie_details(index)

    return CatalogStore


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movies", type=int, required=True, help="the catalog's size")
    fake_tmdb.add_serve_arguments(parser)
    args = parser.parse_args()
    if args.movies < 1:
        parser.error("--movies must be at least 1")
    return fake_tmdb.serve(args, catalog_store(args.movies))


if __name__ == "__main__":
    sys.exit(main())
