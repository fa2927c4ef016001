#!/usr/bin/env python3
"""Generates changde-city.json: the illustrative demo city (grid, 21 posts, 37 groups).

Coordinates are illustrative, around Changde's centre (29.03 N, 111.69 E). Re-run after changing
this script; the file is committed so nothing needs Python at run time.
"""
import json

LAT0, LON0 = 28.995, 111.645  # south-west corner of the grid
ROWS, COLS = 8, 10            # 8 x 10 cells of 0.01 degree (~1.1 km x ~0.97 km)
STEP = 0.01
DISTRICTS = {0: "WL", 1: "WL", 2: "WL", 3: "WL", 4: "WL", 5: "DS", 6: "DS", 7: "DS"}

cells = []
for r in range(ROWS):
    for c in range(COLS):
        lat, lon = round(LAT0 + r * STEP, 6), round(LON0 + c * STEP, 6)
        d = DISTRICTS[r]
        cells.append({
            "id": f"{d}-{r + 1:02d}-{c + 1:02d}",
            "name": f"{'武陵' if d == 'WL' else '德山'} {r + 1}-{c + 1}",
            "ring": [
                {"lat": lat, "lon": lon},
                {"lat": lat, "lon": round(lon + STEP, 6)},
                {"lat": round(lat + STEP, 6), "lon": round(lon + STEP, 6)},
                {"lat": round(lat + STEP, 6), "lon": lon},
            ],
        })

ROADS_EW = ["洞庭大道", "人民路", "朗州路", "建设路"]
ROADS_NS = ["光荣路", "武陵大道", "皂果路", "紫缘路", "柳叶大道", "芙蓉路"]
posts = []
n = 0
for i, ew in enumerate(ROADS_EW):
    for j, ns in enumerate(ROADS_NS):
        if n == 21:
            break
        n += 1
        posts.append({
            "id": f"P{n:02d}",
            "name": f"{ew}/{ns}",
            "location": {"lat": round(LAT0 + 0.012 + i * 0.017, 6),
                         "lon": round(LON0 + 0.011 + j * 0.016, 6)},
            "radius_m": 60,
            "duty_windows": [{"start": "06:00", "end": "09:00"}, {"start": "17:00", "end": "21:00"}],
        })

groups = []
for g in range(1, 38):
    mode = "car" if g % 3 == 0 else ("motorcycle" if g % 7 == 0 else "foot")
    row, col = (g - 1) % ROWS, ((g - 1) * 3) % COLS
    groups.append({
        "id": f"G{g:02d}",
        "name": f"第{g}巡逻组",
        "mode": mode,
        "cells": [cells[row * COLS + col]["id"], cells[row * COLS + (col + 1) % COLS]["id"]],
    })

city = {"name": "常德市 (演示)", "timezone": "Asia/Shanghai", "cells": cells, "posts": posts, "groups": groups}
with open(__file__.replace("make_city.py", "changde-city.json"), "w", encoding="utf-8") as f:
    json.dump(city, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"{len(cells)} cells, {len(posts)} posts, {len(groups)} groups")
