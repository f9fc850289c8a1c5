#!/usr/bin/env python3
"""A model of the seed connector's request pattern, for the benchmark (stdlib only).

    TMDB_API_KEY=... seed_model.py --base-url http://127.0.0.1:PORT/3 --db DB [--person 525]

What the seed's connector.py did, as its README describes it, without the Fivetran SDK:

- one requests.Session, so one keep-alive connection, here one http.client connection;
- its retry policy: Retry(total=3, backoff_factor=1, status_forcelist=[408, 429, 500,
  502, 503, 504]) with a 30 s timeout: up to 3 retries of those statuses and of connection
  errors, sleeping backoff_factor * 2 ** (n - 1) before retry n > 1 (urllib3's schedule:
  none before the first), or Retry-After where a 429 or 503 sends one;
- GET /person/ID/movie_credits, keep the crew credits whose job is "Director" (no
  de-duplication: a movie credited twice is synced twice, as the seed did);
- per movie, sequentially: GET /movie/ID, /movie/ID/credits and /movie/ID/reviews (page 1
  only), then time.sleep(0.25);
- the three tables with the seed's columns, every value a string (its schema declared
  STRING throughout), upserted row by row into SQLite and committed at the end.

The key comes from TMDB_API_KEY, never from the command line.  Prints one summary line on
standard error: movies, requests, rows per table.
"""

import argparse
import http.client
import json
import os
import sqlite3
import sys
import time
import urllib.parse

RETRIES = 3
BACKOFF_FACTOR = 1
STATUS_FORCELIST = (408, 429, 500, 502, 503, 504)
TIMEOUT = 30
SLEEP_BETWEEN_MOVIES = 0.25

TABLES = {
    "movies": ("movie_id", ["movie_id", "title", "overview", "release_date", "runtime", "budget",
                            "revenue", "vote_average", "vote_count", "popularity"]),
    "credits": ("credit_id", ["credit_id", "movie_id", "title", "person_id", "person_name",
                              "character", "order", "cast_id"]),
    "reviews": ("review_id", ["review_id", "movie_id", "title", "author", "content", "created_at",
                              "updated_at", "rating"]),
}


class SeedClient:
    """requests.Session + HTTPAdapter(max_retries=Retry(...)), reduced to what the seed used."""

    def __init__(self, base_url, api_key):
        url = urllib.parse.urlsplit(base_url)
        if url.scheme != "http" or url.hostname not in ("127.0.0.1", "localhost"):
            raise SystemExit("seed_model: refusing %s: the benchmark talks to loopback only" % base_url)
        self.host, self.port = url.hostname, url.port or 80
        self.prefix = url.path.rstrip("/")
        self.api_key = api_key
        self.connection = None
        self.requests = 0

    def connect(self):
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        return self.connection

    def drop_connection(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def get(self, path, **params):
        query = urllib.parse.urlencode(dict(params, api_key=self.api_key, language="en-US"))
        target = "%s%s?%s" % (self.prefix, path, query)
        delay = 0
        for attempt in range(RETRIES + 1):
            if attempt:
                time.sleep(delay)
            self.requests += 1
            try:
                connection = self.connect()
                connection.request("GET", target, headers={"Accept": "application/json"})
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.drop_connection()
                if attempt == RETRIES:
                    raise SystemExit("seed_model: GET %s: %s" % (path, exc))
                delay = backoff(attempt + 1)
                continue
            if response.status in STATUS_FORCELIST and attempt < RETRIES:
                retry_after = response.getheader("Retry-After") or ""
                delay = int(retry_after) if retry_after.isdigit() and response.status in (429, 503) \
                    else backoff(attempt + 1)
                continue
            if response.status != 200:
                raise SystemExit("seed_model: GET %s: HTTP %d" % (path, response.status))
            return json.loads(body)
        raise SystemExit("seed_model: GET %s: retries exhausted" % path)


def backoff(retry):
    """urllib3's Retry.get_backoff_time(): nothing before the first retry, then factor * 2^(n-1)."""
    return 0 if retry <= 1 else BACKOFF_FACTOR * 2 ** (retry - 1)


def text(value):
    """The seed declared every column STRING and wrote str() of what it got."""
    return None if value is None else str(value)


def movie_row(movie):
    return [text(movie.get(k)) for k in ("id", "title", "overview", "release_date", "runtime",
                                         "budget", "revenue", "vote_average", "vote_count",
                                         "popularity")]


def credit_rows(movie_id, title, credits):
    for person in credits.get("cast", []):
        yield [text(person.get("credit_id")), text(movie_id), text(title), text(person.get("id")),
               text(person.get("name")), text(person.get("character")), text(person.get("order")),
               text(person.get("cast_id"))]


def review_rows(movie_id, title, reviews):
    for review in reviews.get("results", []):
        yield [text(review.get("id")), text(movie_id), text(title), text(review.get("author")),
               text(review.get("content")), text(review.get("created_at")),
               text(review.get("updated_at")),
               text((review.get("author_details") or {}).get("rating"))]


def open_warehouse(path):
    db = sqlite3.connect(path)
    for table, (key, columns) in TABLES.items():
        db.execute('CREATE TABLE IF NOT EXISTS "%s" (%s, PRIMARY KEY ("%s"))'
                   % (table, ", ".join('"%s" TEXT' % c for c in columns), key))
    return db


def upsert(db, table, row):
    columns = TABLES[table][1]
    db.execute('INSERT OR REPLACE INTO "%s" (%s) VALUES (%s)'
               % (table, ", ".join('"%s"' % c for c in columns), ", ".join("?" * len(columns))), row)


def sync(client, db, person_id):
    crew = client.get("/person/%d/movie_credits" % person_id).get("crew", [])
    directed = [credit for credit in crew if credit.get("job") == "Director"]
    for credit in directed:
        movie_id = credit["id"]
        movie = client.get("/movie/%d" % movie_id)
        upsert(db, "movies", movie_row(movie))
        for row in credit_rows(movie_id, movie.get("title"), client.get("/movie/%d/credits" % movie_id)):
            upsert(db, "credits", row)
        for row in review_rows(movie_id, movie.get("title"), client.get("/movie/%d/reviews" % movie_id)):
            upsert(db, "reviews", row)
        time.sleep(SLEEP_BETWEEN_MOVIES)
    db.commit()
    return len(directed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--person", type=int, default=525)
    args = parser.parse_args()
    api_key = os.environ.get("TMDB_API_KEY")
    if not api_key:
        raise SystemExit("seed_model: TMDB_API_KEY is not set")
    client = SeedClient(args.base_url, api_key)
    db = open_warehouse(args.db)
    movies = sync(client, db, args.person)
    counts = {t: db.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0] for t in TABLES}
    db.close()
    client.drop_connection()
    print("seed_model: %d movies, %d requests, %s" % (
        movies, client.requests, ", ".join("%s %d" % kv for kv in counts.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
