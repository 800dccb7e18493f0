#!/usr/bin/env python3
"""Writes the fuzz corpus that tests/test_fuzz.cpp feeds to GradLab: mutated network texts (net/),
damaged experiment files with their checksums recomputed and lengths forged (gradlab/), and
damaged IDX dataset folders, overflowing headers included (idx/). Deterministic (fixed seed);
rerun it and commit the result when a format changes:  python3 tests/fuzz_corpus/make_corpus.py
Pipes and links to /dev/zero cannot be committed: the test makes them."""
import gzip
import os
import random
import re
import shutil
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
rng = random.Random(17)


def fresh(name):
    path = os.path.join(HERE, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


def mutate(data, count):
    """`count` random byte edits: flips, insertions, deletions, duplications."""
    b = bytearray(data)
    for _ in range(count):
        if not b:
            b.append(rng.randrange(256))
            continue
        i, kind = rng.randrange(len(b)), rng.randrange(4)
        if kind == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif kind == 1:
            b.insert(i, rng.choice([0, 9, 10, 13, 27, 0x7f, 0xff, ord('('), ord(')'), ord('='), ord(',')]))
        elif kind == 2:
            del b[i]
        else:
            j = min(len(b), i + rng.randrange(1, 40))
            b[i:i] = b[i:j]
    return bytes(b)


def networks():
    out = fresh('net')
    sources = sorted(f for f in os.listdir(os.path.join(ROOT, 'resources', 'networks')) if f.endswith('.net'))
    texts = [open(os.path.join(ROOT, 'resources', 'networks', f), 'rb').read() for f in sources]
    n = 0
    for text in texts:
        for k in range(12):
            write(os.path.join(out, f'mutated-{n:03}.net'), mutate(text, 1 + k * 3))
            n += 1
        for cut in (1, len(text) // 3, len(text) // 2, len(text) - 1):
            write(os.path.join(out, f'cut-{n:03}.net'), text[:cut])
            n += 1
        numbers = re.sub(rb'\b\d+\b', lambda m: rng.choice([b'0', b'-1', b'4294967296', b'99999999999999999999',
                                                            b'1e308', b'nan', b'0x10', b'18446744073709551617']), text)
        write(os.path.join(out, f'numbers-{n:03}.net'), numbers)
        n += 1
    special = {
        'empty.net': b'',
        'nul-bytes.net': b'\0' * 64,
        'binary.net': bytes(rng.randrange(256) for _ in range(2000)),
        'control-chars.net': b'input x\x1b[2J: 2\r\nh = Linear(x\x07, out_features=2)\x08\x08\nloss = CrossEntropyLoss(h)\n',
        'long-line.net': b'input x: 2\nh = Linear(x, out_features=' + b'9' * 30000 + b')\n',
        'long-name.net': b'input ' + b'x' * 50000 + b': 2\n',
        'many-layers.net': b'input x: 2\n' + b''.join(b'h%d = ReLU(%s)\n' % (i, b'x' if i == 0 else b'h%d' % (i - 1)) for i in range(3000)),
        'deep-parens.net': b'input x: 2\nh = Linear(' * 2000 + b'\n',
        'huge-image.net': b'input x: 3x65536x65536\nh = Conv2d(x, out_channels=64, kernel_size=3)\nloss = CrossEntropyLoss(h)\n',
        'self-loop.net': b'input x: 2\nh = Linear(h, out_features=2)\nloss = CrossEntropyLoss(h)\n',
        'utf8-and-bidi.net': 'input x: 2\nh\u202e = Linear(x, out_features=2)\nloss = CrossEntropyLoss(h\u202e)\n'.encode(),
        'invalid-utf8.net': b'input \xc3\x28\xff: 2\n',
    }
    for name, data in special.items():
        write(os.path.join(out, name), data)


def gradlab_files():
    out = fresh('gradlab')
    fixture = open(os.path.join(ROOT, 'tests', 'data', 'experiment_v2.gradlab'), 'rb').read()

    def seal(data, fix_size=True):
        data = bytearray(data)
        if fix_size and len(data) >= 40:
            data[16:24] = struct.pack('<Q', len(data) - 40)
        if len(data) >= 12:
            data[8:12] = struct.pack('<I', zlib.crc32(bytes(data[12:])) & 0xffffffff)
        return bytes(data)

    payload = fixture[40:]
    numbers = [m for m in re.finditer(rb'(?<=[ \n])\d+(?= )', payload)]
    n = 0
    # Every number in the payload (lengths, counts, versions, fields) forged to large values.
    for m in numbers[:70]:
        for value in (b'4000000000', b'18446744073709551615'):
            forged = fixture[:40] + payload[:m.start()] + value + payload[m.end():]
            write(os.path.join(out, f'forged-{n:03}.gradlab'), seal(forged))
            n += 1
    for k in range(40):
        write(os.path.join(out, f'flipped-{k:03}.gradlab'), seal(fixture[:40] + mutate(payload, 1 + k % 8)))
    for k, cut in enumerate((0, 8, 39, 40, 41, 100, len(fixture) // 2, len(fixture) - 1)):
        write(os.path.join(out, f'cut-{k}.gradlab'), fixture[:cut])
    header = bytearray(fixture[:40])
    header[16:24] = struct.pack('<Q', 2**64 - 1)
    write(os.path.join(out, 'size-field-huge.gradlab'), seal(bytes(header) + payload, fix_size=False))
    write(os.path.join(out, 'random-after-header.gradlab'), seal(fixture[:40] + bytes(rng.randrange(256) for _ in range(3000))))
    write(os.path.join(out, 'payload-control-chars.gradlab'),
          seal(fixture[:40] + payload.replace(b'Format 2 fixture', b'\x1b[31m\n\x00\x07xxxxx\r\n')))


def idx_header(rank, dims):
    return bytes([0, 0, 8, rank]) + b''.join(struct.pack('>I', d) for d in dims)


def idx_folders():
    out = fresh('idx')
    good_images = idx_header(3, [4, 3, 3]) + bytes(range(36))
    good_labels = idx_header(1, [4]) + bytes([0, 1, 2, 3])
    cases = {
        'overflow-product': (idx_header(3, [4194304, 2097152, 2097152]) + bytes(64), good_labels),
        'overflow-to-small': (idx_header(3, [2**31, 2**31, 4 + 2]) + bytes(64), good_labels),
        'huge-count': (idx_header(3, [0xffffffff, 28, 28]) + bytes(64), good_labels),
        'huge-labels': (good_images, idx_header(1, [0xffffffff]) + bytes(8)),
        'zero-pixels': (idx_header(3, [4, 0, 3]), good_labels),
        'wide-image': (idx_header(3, [1, 65536, 65537]) + bytes(64), idx_header(1, [1]) + b'\0'),
        'truncated': (good_images[:30], good_labels),
        'header-only': (good_images[:10], good_labels[:5]),
        'empty': (b'', b''),
        'wrong-rank': (idx_header(2, [4, 9]) + bytes(36), good_labels),
        'wrong-type': (bytes([0, 0, 0x0d, 3]) + good_images[4:], good_labels),
        'count-mismatch': (good_images, idx_header(1, [3]) + bytes(3)),
        'label-out-of-range': (good_images, idx_header(1, [4]) + bytes([0, 200, 2, 3])),
    }
    for k in range(20):
        cases[f'mutated-{k:02}'] = (mutate(good_images, 1 + k % 5), mutate(good_labels, k % 3))
    for name, (images, labels) in cases.items():
        folder = os.path.join(out, name)
        os.makedirs(folder)
        write(os.path.join(folder, 'train-images-idx3-ubyte'), images)
        write(os.path.join(folder, 'train-labels-idx1-ubyte'), labels)
    gz = {
        # A header promising 1x1x1 ahead of 64 MiB of zeros: reading must stop after one value.
        'gzip-bomb-after-header': gzip.compress(idx_header(3, [1, 1, 1]) + bytes(64 << 20), 9),
        # 4 GiB promised by a file of a few hundred bytes.
        'gzip-promises-gigabytes': gzip.compress(idx_header(3, [0x10000000, 4, 4]) + bytes(1000), 9),
        'gzip-damaged': mutate(gzip.compress(good_images, 9), 4),
        'gzip-truncated': gzip.compress(good_images, 9)[:20],
    }
    for name, images in gz.items():
        folder = os.path.join(out, name)
        os.makedirs(folder)
        write(os.path.join(folder, 'train-images-idx3-ubyte.gz'), images)
        write(os.path.join(folder, 'train-labels-idx1-ubyte'), good_labels if 'bomb' not in name else idx_header(1, [1]) + b'\0')


if __name__ == '__main__':
    networks()
    gradlab_files()
    idx_folders()
