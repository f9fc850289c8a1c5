#!/usr/bin/env python3
"""png_covered.py PNG SVG: the points of a financial chart whose disc, in the PNG, holds text.

report.sh draws financial.png and financial.svg over the same pixels (1200x800, margins at
fixed fractions, points of one size in both). The points' middles and radii are read from the
SVG (gnuplot's point type 7, <use href="#gpPt6" transform="translate(X,Y) scale(R)">); inside
each disc, 2.5 pixels clear of its ring, a near-black pixel can only be a title's (the discs
are palette colours or grey). Prints "X Y R DARK" for each covered point and a last line
"points N"; exits 1 when a point is covered. Plain Python: the suites have no imaging library.
"""
import re
import struct
import sys
import zlib


def read_png(path):
    """(width, height, bytes per pixel, rows) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("%s: not a PNG" % path)
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                sys.exit("%s: not 8-bit RGB(A)" % path)
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        unfilter(kind, line, prev, bpp)
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def unfilter(kind, line, prev, bpp):
    for x in range(len(line)):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if kind == 1:
            line[x] = (line[x] + a) & 255
        elif kind == 2:
            line[x] = (line[x] + b) & 255
        elif kind == 3:
            line[x] = (line[x] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255


def points(svg):
    found = re.findall(r"<use xlink:href='#gpPt6' transform='translate\(([-\d.]+),([-\d.]+)\) "
                       r"scale\(([\d.]+)\)'", open(svg, encoding="utf-8").read())
    return [tuple(map(float, point)) for point in found]


def main():
    width, height, bpp, rows = read_png(sys.argv[1])
    marks = points(sys.argv[2])
    covered = 0
    for x, y, r in marks:
        inner = r - 2.5
        dark = 0
        for py in range(int(y - inner), int(y + inner) + 2):
            for px in range(int(x - inner), int(x + inner) + 2):
                if 0 <= px < width and 0 <= py < height and \
                        (px + 0.5 - x) ** 2 + (py + 0.5 - y) ** 2 <= inner ** 2:
                    if max(rows[py][px * bpp:px * bpp + 3]) < 90:
                        dark += 1
        if dark:
            covered += 1
            print("%.0f %.0f %.1f %d" % (x, y, r, dark))
    print("points %d" % len(marks))
    sys.exit(1 if covered else 0)


main()
