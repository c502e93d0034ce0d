#!/usr/bin/env python3
"""Write a synthetic COCO instances file for the loader benchmark:
   gen_coco.py N_ANNOTATIONS OUT.json  (10 annotations per 640 x 480 image,
   every 5th with a polygon, every 50th with an uncompressed RLE, the rest boxes)."""
import json
import random
import sys

n = int(sys.argv[1])
out = open(sys.argv[2], "w")
rnd = random.Random(7)
n_img = max(1, n // 10)
out.write('{"info": {"description": "annqa loader benchmark"}, "images": [')
for i in range(1, n_img + 1):
    out.write((',' if i > 1 else '') + json.dumps({"id": i, "file_name": "img%07d.jpg" % i, "width": 640, "height": 480}))
out.write('], "categories": [' + ','.join(json.dumps({"id": c, "name": "class%d" % c}) for c in range(1, 11)) + '], "annotations": [')
for a in range(1, n + 1):
    x, y = rnd.randint(0, 500), rnd.randint(0, 350)
    w, h = rnd.randint(5, 139), rnd.randint(5, 129)
    o = {"id": a, "image_id": (a - 1) // 10 + 1, "category_id": rnd.randint(1, 10), "bbox": [x, y, w, h],
         "area": w * h, "iscrowd": 0}
    if a % 50 == 0:
        o["segmentation"] = {"size": [480, 640], "counts": [x * 480 + y, h, 480 * 640 - x * 480 - y - h]}
        o["area"] = h
        o["bbox"] = [x, y, 1, h]
    elif a % 5 == 0:
        o["segmentation"] = [[x, y, x + w, y, x + w, y + h, x, y + h]]
    out.write((',' if a > 1 else '') + json.dumps(o))
out.write(']}\n')
