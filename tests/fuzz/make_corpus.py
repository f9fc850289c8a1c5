#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target, tests/fuzz/corpus/TARGET/, from the
project's own fixtures, the bundled sample and the real TMDB files in ../shared/tmdb:
small ones, trimmed (a few cast, crew and reviews) so that each seed stays under a few
kilobytes. Rows, Singer streams and CSV files are what the built programs (bin/) make
of those movies. Run from the project root after `make`:

    python3 tests/fuzz/make_corpus.py
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
SAMPLE = os.path.join(ROOT, "pipelines", "sample")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "tmdb")
BIN = os.path.join(ROOT, "bin")

MOVIE_IDS = [601, 424, 578, 11660]          # small recordings of the sample, most with reviews
MOVIE_FILE = "append_to_response=credits,reviews&language=en-US.json"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def trim_movie(movie):
    movie = dict(movie)
    credits = dict(movie.get("credits") or {})
    credits["cast"] = (credits.get("cast") or [])[:3]
    credits["crew"] = (credits.get("crew") or [])[:2]
    movie["credits"] = credits
    reviews = dict(movie.get("reviews") or {})
    results = []
    for review in (reviews.get("results") or [])[:2]:
        review = dict(review)
        review["content"] = review.get("content", "")[:200]
        results.append(review)
    reviews["results"] = results
    movie["reviews"] = reviews
    return movie


def sample_movies():
    return [trim_movie(load(os.path.join(SAMPLE, "movie", str(i), MOVIE_FILE))) for i in MOVIE_IDS]


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def run(program, args, stdin):
    return subprocess.run([os.path.join(BIN, program)] + args, input=stdin.encode("utf-8"),
                          stdout=subprocess.PIPE, check=True).stdout.decode("utf-8")


def shape_seeds(movies):
    for movie in movies:
        write("shape", "movie-%d.jsonl" % movie["id"], compact(movie) + "\n")
    write("shape", "two-movies.jsonl", "".join(compact(m) + "\n" for m in movies[:2]))
    real = load(os.path.join(FIXTURES, "tmdb-real", "movie_27205_inception_details_2025-06-01.json"))
    write("shape", "inception-details.jsonl", compact(real) + "\n")
    unreleased = dict(movies[0], release_date="", runtime=None, vote_average=7)
    write("shape", "empty-release-date.jsonl", compact(unreleased) + "\n")


def director_seeds():
    sources = [os.path.join(SAMPLE, "person", "488", "movie_credits", "language=en-US.json"),
               os.path.join(FIXTURES, "tmdb", "person", "525", "movie_credits.json"),
               os.path.join(SHARED, "person_31_tom_hanks_movie_credits.json")]
    lines = []
    for path in sources:
        credits = load(path)
        credits["cast"] = credits.get("cast", [])[:2]
        credits["crew"] = credits.get("crew", [])[:8]
        lines.append(compact(credits))
        write("director", os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)
              .replace("=", "-"), lines[-1] + "\n")
    twice = load(sources[1])
    twice["crew"] = [c for c in twice["crew"] if c.get("job") in ("Director", "Writer")][:3] * 2
    twice["cast"] = []
    write("director", "credited-twice.jsonl", compact(twice) + "\n")
    write("director", "two-people.jsonl", "\n".join(lines[:2]) + "\n")


def fetch_ids_seeds():
    write("fetch_ids", "numbers", "525\n  488\t\n\n27205\n")
    directed = run("tmdb-director", [], compact(load(os.path.join(
        SAMPLE, "person", "488", "movie_credits", "language=en-US.json"))) + "\n")
    write("fetch_ids", "director-output.jsonl", "".join(directed.splitlines(True)[:3]))
    write("fetch_ids", "objects.jsonl", '{"id": 550}\n{"id": "27205"}\n{"id": " 155 "}\n')


def rows_seeds(movies):
    stream = "".join(compact(m) + "\n" for m in movies[:2])
    singer = run("tmdb-shape", ["--all"], stream)
    write("rows", "singer-all", b"\x00" + singer.encode("utf-8"))
    for index, table in enumerate(["movies", "credits", "reviews"], start=1):
        rows = run("tmdb-shape", [table], stream)
        write("rows", "rows-" + table, bytes([index << 1]) + rows.encode("utf-8"))
    people = [
        {"type": "SCHEMA", "stream": "people", "key_properties": ["id"],
         "schema": {"properties": {"id": {"type": "integer"}, "name": {"type": ["string", "null"]},
                                   "score": {"type": ["integer", "number"]},
                                   "alive": {"type": "boolean"}, "roles": {"type": "array"},
                                   "extra": {"type": ["object", "null"]}}}},
        {"type": "RECORD", "stream": "people", "record": {"id": 525, "name": "Christopher Nolan",
                                                           "score": 8.5, "alive": True,
                                                           "roles": ["Director"], "extra": None}},
        {"type": "STATE", "value": {"bookmarks": {"people": 525}}},
        {"type": "ACTIVATE_VERSION", "stream": "people", "version": 1},
    ]
    write("rows", "singer-people-alter", bytes([4 << 1 | 1]) +
          "".join(compact(m) + "\n" for m in people).encode("utf-8"))
    write("rows", "movies-alter", bytes([1 << 1 | 1]) +
          (compact(dict(json.loads(run("tmdb-shape", ["movies"], stream).splitlines()[0]),
                        tagline="Mischief. Mayhem. Soap.")) + "\n").encode("utf-8"))


def csv_seeds(movies):
    stream = "".join(compact(m) + "\n" for m in movies[:2])
    singer = run("tmdb-shape", ["--all"], stream)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([os.path.join(BIN, "tmdb-load"), "-q", "csv", folder],
                       input=singer.encode("utf-8"), check=True)
        for index, table in enumerate(["movies", "credits", "reviews"]):
            with open(os.path.join(folder, table + ".csv"), "rb") as f:
                text = f.read()
            write("csv", table + ".csv", text)
            write("csv_merge", table + ".csv", bytes([index << 1]) + text)
            if table == "movies":
                header, _, rest = text.partition(b"\r\n")
                write("csv_merge", "movies-extra-column.csv",
                      b"\x01" + header + b",tagline\r\n" + rest.replace(b"\r\n", b",\"Soap, \"\"Mayhem\"\"\"\r\n"))
    write("csv", "quoted-lf.csv", b'a,b\n"line one\nline two",""\n,plain\n')
    write("csv_merge", "empty.csv", b"\x00")


def state_seeds():
    state = {"version": 1, "etags": {
        "/movie/550?append_to_response=credits,reviews&language=en-US": 'W/"d0f66663bd90489f9049e11dd99f231e"',
        "/movie/155/reviews?language=en-US&page=2": 'W/"8b1a9953c4611296a827abf8c47804d7"'}}
    write("state", "state.json", json.dumps(state, indent=1, sort_keys=True) + "\n")
    write("state", "empty.json", '{"version": 1, "etags": {}}\n')


def json_write_seeds():
    for name in ["error_401_status7_invalid_api_key__jdrouet.json",
                 "error_404_status34_not_found__adamayoung.json",
                 "error_422_status20_invalid_date_range__adamayoung.json"]:
        with open(os.path.join(SHARED, name), "rb") as f:
            write("json_write", name, f.read())
    write("json_write", "movie.json", compact(sample_movies()[0]))
    write("json_write", "numbers.json", '[8.438, 8.369, 1.0, -0.0, 1e300, 5e-324, 9007199254740993, '
                                        '-9223372036854775808, 0.1, 100, 1.5e-7]')
    write("json_write", "strings.json", '["\\u0000x", "tab\\there", "\\u001f\\u007f", "é – “quoted”", '
                                        '"\\ud83c\\udfac", "back\\\\slash \\"q\\""]')


def mask_seeds():
    write("mask", "url", "https://api.themoviedb.org/3/movie/550?api_key=fk_5ecret_d0e8c1a9f3b74e22&language=en-US")
    write("mask", "header", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJ0ZXN0IjoidG1kYiJ9.s1gn\r\n"
                            "Accept: application/json\r\n")
    write("mask", "log", 'GET /3/person/525?api_key=abc: HTTP 401, 84 bytes in 80 ms "api_key=x" Bearer "y"')


def http_response(status, reason, headers, body):
    lines = ["HTTP/1.1 %d %s" % (status, reason)] + ["%s: %s" % h for h in headers]
    if body is not None and not any(h[0].lower() in ("content-length", "transfer-encoding") for h in headers):
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def http_seeds():
    tmdb_headers = [("Content-Type", "application/json;charset=utf-8"),
                    ("Cache-Control", "public, max-age=20463"),
                    ("Date", "Thu, 21 Aug 2025 23:12:57 GMT"),
                    ("Etag", 'W/"d0f66663bd90489f9049e11dd99f231e"'),
                    ("Server", "openresty"), ("Vary", "accept-encoding"),
                    ("Via", "1.1 11ba7cf61f8ee8331f744925c9c4cf68.cloudfront.net (CloudFront)"),
                    ("X-Cache", "Miss from cloudfront")]
    movie = compact(load(os.path.join(FIXTURES, "tmdb-real", "movie_550_details_2025-09-10.json"))).encode()

    def error(name):
        with open(os.path.join(SHARED, name), "rb") as f:
            return f.read()

    seeds = {
        "200-movie": http_response(200, "OK", tmdb_headers, movie),
        "200-gzip": http_response(200, "OK", tmdb_headers + [("Content-Encoding", "gzip")],
                                  gzip.compress(movie[:400] + b"}", mtime=0)),
        "200-chunked": http_response(200, "OK", tmdb_headers + [("Transfer-Encoding", "chunked")],
                                     b"%x\r\n%s\r\n0\r\n\r\n" % (len(movie[:300]), movie[:300])),
        "304": http_response(304, "Not Modified", [("ETag", 'W/"0b7e6a5e3d4c2b1a"')], None),
        "401": http_response(401, "Unauthorized", tmdb_headers[:3],
                             error("error_401_status7_invalid_api_key__c-eg.json")),
        "404": http_response(404, "Not Found", tmdb_headers[:3],
                             error("error_404_status34_not_found__jdrouet.json")),
        "429": http_response(429, "Too Many Requests", [("Retry-After", "1")] + tmdb_headers[:3],
                             b'{"status_code":25,"status_message":"Your request count (41) is over the '
                             b'allowed limit of 40."}'),
        "503-date": http_response(503, "Service Unavailable",
                                  [("Retry-After", "Thu, 21 Aug 2025 23:13:57 GMT")], b""),
    }
    for target in ("http_headers", "http_exchange"):
        for name, data in seeds.items():
            write(target, name, data)


def record_seeds():
    write("record", "movie", "/movie/550\0append_to_response\0credits,reviews\0language\0en-US")
    write("record", "person", "/person/525/movie_credits\0language\0en-US\0api_key\0fk_5ecret")
    write("record", "not-found", "/movie/1\0language\0en-US")
    write("record", "search", "/search/person\0query\0Christopher Nolan\0page\x001\0include_adult\0false"
                              "\0language\0en-US")
    write("record", "two-requests", "/movie/550/\0language\0en-US\n/movie/./550\0language\0en-US")


def cred_seeds():
    write("cred", "api_key.json", '{\n    "api_key": "YOUR_TMDB_API_KEY"\n}\n')
    write("cred", "access_token.json", '{"access_token": "eyJhbGciOiJIUzI1NiJ9.eyJ0ZXN0IjoidG1kYiJ9.s1gn"}')
    write("cred", "both.json", '{"api_key": "k", "access_token": "t"}')


def main():
    if not os.path.exists(os.path.join(BIN, "tmdb-shape")):
        sys.exit("make_corpus: run make first (it uses bin/tmdb-shape and bin/tmdb-load)")
    shutil.rmtree(CORPUS, ignore_errors=True)
    movies = sample_movies()
    shape_seeds(movies)
    director_seeds()
    fetch_ids_seeds()
    rows_seeds(movies)
    csv_seeds(movies)
    state_seeds()
    json_write_seeds()
    mask_seeds()
    http_seeds()
    record_seeds()
    cred_seeds()


if __name__ == "__main__":
    main()
