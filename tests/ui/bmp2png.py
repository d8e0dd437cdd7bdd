#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Converts the kiosk's 32-bit BMP screenshots (SDL_SaveBMP) to PNG with the
# standard library only (zlib), so no image tool is needed to put
# screenshots into docs/. Usage: bmp2png.py IN.bmp OUT.png [--scale N]
#                              bmp2png.py --all DIR
import struct
import sys
import zlib


def read_bmp(path):
    data = open(path, 'rb').read()
    if data[:2] != b'BM':
        raise SystemExit(f'{path}: not a BMP')
    off = struct.unpack_from('<I', data, 10)[0]
    w, h = struct.unpack_from('<ii', data, 18)
    bpp = struct.unpack_from('<H', data, 28)[0]
    if bpp not in (24, 32):
        raise SystemExit(f'{path}: {bpp}-bit BMP not supported')
    step = bpp // 8
    stride = (w * step + 3) & ~3
    top_down = h < 0
    h = abs(h)
    rows = []
    for y in range(h):
        sy = y if top_down else h - 1 - y
        row = data[off + sy * stride: off + sy * stride + w * step]
        rgb = bytearray(w * 3)
        rgb[0::3] = row[2::step]
        rgb[1::3] = row[1::step]
        rgb[2::3] = row[0::step]
        rows.append(bytes(rgb))
    return w, h, rows


def write_png(path, w, h, rows):
    def chunk(tag, body):
        c = struct.pack('>I', len(body)) + tag + body
        return c + struct.pack('>I', zlib.crc32(tag + body) & 0xffffffff)
    raw = b''.join(b'\x00' + r for r in rows)
    png = b'\x89PNG\r\n\x1a\n'
    png += chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
    png += chunk(b'IDAT', zlib.compress(raw, 9))
    png += chunk(b'IEND', b'')
    open(path, 'wb').write(png)


def main():
    args = sys.argv[1:]
    if args[:1] == ['--all']:  # every .bmp in a directory, next to it
        import os
        d = args[1]
        for name in sorted(os.listdir(d)):
            if name.endswith('.bmp'):
                w, h, rows = read_bmp(os.path.join(d, name))
                write_png(os.path.join(d, name[:-4] + '.png'), w, h, rows)
        return
    scale = 1
    if '--scale' in args:
        i = args.index('--scale')
        scale = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        raise SystemExit('usage: bmp2png.py IN.bmp OUT.png [--scale N]')
    w, h, rows = read_bmp(args[0])
    if scale > 1:  # box-filter downscale (average of scale x scale) for docs
        nw, nh = w // scale, h // scale
        out = []
        n = scale * scale
        for y in range(nh):
            acc = [0] * (nw * 3)
            for dy in range(scale):
                r = rows[y * scale + dy]
                for dx in range(scale):
                    part = r[dx * 3::1]
                    for x in range(nw):
                        o = (x * scale) * 3
                        acc[x * 3] += part[o]
                        acc[x * 3 + 1] += part[o + 1]
                        acc[x * 3 + 2] += part[o + 2]
            out.append(bytes(v // n for v in acc))
        rows, w, h = out, nw, nh
    write_png(args[1], w, h, rows)


if __name__ == '__main__':
    main()
