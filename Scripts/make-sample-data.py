#!/usr/bin/env python3
"""Writes the small synthetic datasets in samples/ that `make demo` falls back on when the
reference data (../shared) is absent. Standard library only (PNG through zlib), deterministic.

  samples/data/lesions/{benign,malignant}/*.png   64x64 grey "ultrasound" images: a dark speckled
      background with one blob; malignant blobs have irregular, spiculated edges.
  samples/data/polyps/{images,masks}/N.png + sequences.csv   96x72 RGB "colonoscopy" frames
      with one bright textured ellipse (the polyp) and its mask, in 6 sequences.
"""
import math, os, random, struct, zlib

def png(path, width, height, channels, pixels):
    raw = b"".join(b"\x00" + bytes(pixels[y * width * channels:(y + 1) * width * channels]) for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    colour = 0 if channels == 1 else 2
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)

def lesions(root, per_class=40, size=64):
    rng = random.Random(1)
    for label in ("benign", "malignant"):
        for i in range(per_class):
            cx, cy = rng.uniform(20, 44), rng.uniform(20, 44)
            r0 = rng.uniform(8, 14)
            lobes = rng.randint(5, 9)
            spikes = 0.35 if label == "malignant" else 0.06
            phase = rng.uniform(0, 2 * math.pi)
            px = []
            for y in range(size):
                for x in range(size):
                    a = math.atan2(y - cy, x - cx)
                    r = r0 * (1 + spikes * math.sin(lobes * a + phase) + 0.05 * math.sin(3 * a))
                    inside = math.hypot(x - cx, y - cy) < r
                    v = (40 if inside else 110) + rng.gauss(0, 22)
                    px.append(max(0, min(255, int(v))))
            png(f"{root}/{label}/{label} ({i + 1}).png", size, size, 1, px)

def polyps(root, frames=36, width=96, height=72, sequences=6):
    rng = random.Random(2)
    lines = ["frame,sequence"]
    for n in range(1, frames + 1):
        seq = (n - 1) * sequences // frames + 1
        cx, cy = rng.uniform(20, 76), rng.uniform(18, 54)
        rx, ry = rng.uniform(7, 14), rng.uniform(6, 12)
        img, mask = [], []
        for y in range(height):
            for x in range(width):
                d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
                inside = d < 1
                base = (200, 120, 100) if inside else (150, 70, 60)
                shade = 25 * math.sin(x / 5 + seq) * math.cos(y / 7) + rng.gauss(0, 12)
                img += [max(0, min(255, int(c + shade - (20 * d if inside else 0)))) for c in base]
                mask.append(255 if inside else 0)
        png(f"{root}/images/{n}.png", width, height, 3, img)
        png(f"{root}/masks/{n}.png", width, height, 1, mask)
        lines.append(f"{n}.png,{seq}")
    with open(f"{root}/sequences.csv", "w") as f:
        f.write("\n".join(lines) + "\n")

if __name__ == "__main__":
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "data")
    lesions(os.path.join(here, "lesions"))
    polyps(os.path.join(here, "polyps"))
    print("wrote", os.path.normpath(here))
