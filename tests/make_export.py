#!/usr/bin/env python3
"""Write a TMDB daily movie ID export for the movies a fake TMDB fixtures folder serves.

    make_export.py FIXTURES OUT [--plain] [--crlf] [--no-final-newline]

TMDB publishes movie_ids_MM_DD_YYYY.json.gz every day: gzip, one JSON object a line,
{"adult":false,"id":3924,"original_title":"Blondie","popularity":2.932,"video":false}.
OUT gets one such line for each FIXTURES/movie/ID.json, by id, gzip-compressed unless
--plain; --crlf ends the lines with CR LF, --no-final-newline leaves the last one open.
The lines vary the way the real file's can: adult and video true on some, titles in other
scripts (raw UTF-8 on most lines, \\u escapes with surrogate pairs on every third),
popularity as a plain decimal or a big float in exponent form. Prints the ids, one a
line. Deterministic: the same arguments write the same bytes (standard library only).
"""

import argparse
import gzip
import json
import os
import sys

# Titles beyond ASCII, with a quote and a backslash: what the export's JSON must carry.
TITLES = [
    "Le Fabuleux Destin d'Amélie Poulain",
    "千と千尋の神隠し",
    "Ирония судьбы, или С лёгким паром!",
    "\u0627\u0644\u0631\u0633\u0627\u0644\u0629",
    "Film \"quoted\" \\ 🎬 emoji",
]


def movie_ids(fixtures):
    folder = os.path.join(fixtures, "movie")
    return sorted(int(name[:-5]) for name in os.listdir(folder)
                  if name.endswith(".json") and name[:-5].isdigit())


def export_line(index, movie):
    """The export's object for the index-th movie, keys in TMDB's order, as text."""
    title = movie.get("original_title") or movie.get("title") or ""
    if index % 4 == 1:
        title = TITLES[index // 4 % len(TITLES)]
    popularity = float(movie.get("popularity") or 0.6)
    if index % 6 == 4:
        popularity = popularity * 1e16 + 0.125      # e.g. 2.4106e+16
    entry = {"adult": index % 7 == 3, "id": movie["id"], "original_title": title,
             "popularity": popularity, "video": index % 5 == 2}
    return json.dumps(entry, ensure_ascii=index % 3 == 0, separators=(",", ":"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("fixtures")
    parser.add_argument("out")
    parser.add_argument("--plain", action="store_true", help="no gzip")
    parser.add_argument("--crlf", action="store_true", help="CR LF line ends")
    parser.add_argument("--no-final-newline", action="store_true")
    args = parser.parse_args()
    end = "\r\n" if args.crlf else "\n"
    lines = []
    ids = movie_ids(args.fixtures)
    for index, movie_id in enumerate(ids):
        path = os.path.join(args.fixtures, "movie", "%d.json" % movie_id)
        with open(path, encoding="utf-8") as fh:
            lines.append(export_line(index, json.load(fh)))
    text = end.join(lines) + ("" if args.no_final_newline or not lines else end)
    data = text.encode("utf-8")
    if not args.plain:
        data = gzip.compress(data, mtime=0)
    with open(args.out, "wb") as fh:
        fh.write(data)
    sys.stdout.write("".join("%d\n" % i for i in ids))
    return 0


if __name__ == "__main__":
    sys.exit(main())
