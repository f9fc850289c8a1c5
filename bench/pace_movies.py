#!/usr/bin/env python3
"""Copy a Singer stream of movies at fetch speed: one movie every MS milliseconds (stdlib only).

    pace_movies.py MS < STREAM

Copies standard input to standard output line by line. A movie is its "movies" RECORD
and the lines up to the next one; once a movie is written it is flushed and the next
waits MS milliseconds, as `tmdb-fetch movie` hands a movie on once its answer came. A
reader that does not read holds the writer back (the pipe fills): nothing is caught up
later, as a fetch blocked on its output does not fetch ahead.
"""

import argparse
import sys
import time

MOVIE_RECORD = '{"type":"RECORD","stream":"movies",'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ms", type=float, help="milliseconds between two movies")
    args = parser.parse_args()
    pause = args.ms / 1000.0
    out = sys.stdout
    started = False
    for line in sys.stdin:
        if line.startswith(MOVIE_RECORD):
            if started:
                out.flush()
                time.sleep(pause)
            started = True
        out.write(line)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
