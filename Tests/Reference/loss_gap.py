#!/usr/bin/env python3
"""loss_gap.py NAME REPORT TORCH_JSON OBJECTIVE TERM…: each term of stylize's --report loss against
bench/torch_ref.py's loss of the same image on that objective, within 0.1 % (exit 1 otherwise).
Shared by tutorial-loss.sh and default-loss.sh."""
import json
import sys

name, report, torch_json, objective, *terms = sys.argv[1:]
ours = json.load(open(report))["loss"]
ref = json.load(open(torch_json))
failed = 0
for term in terms:
    a, b = ours[term], ref[f"{objective}_" + ("loss" if term == "total" else term)]
    gap = abs(a - b) / abs(b)
    ok = gap <= 1e-3
    failed += not ok
    print(f"{name}: {term}: stylize {a:.7g}, PyTorch {b:.7g}, relative gap {gap:.2e} "
          f"({'ok' if ok else 'MORE THAN 0.1 %'})")
print(f"{len(terms) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
