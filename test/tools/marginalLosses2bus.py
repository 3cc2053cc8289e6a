#!/usr/bin/env python3
"""An independent check of gridbid's marginal-loss factors on the Z-losses hand line
(test/market/lp/marginalLossDispatch.spec.ts): one line r = 0.02, x = 0.04 p.u. on 100 kVA,
100 kW withdrawn at its far end, the substation at 1 p.u.

Written apart from the TypeScript: a complex-number backward/forward sweep in numpy, its
central difference, and the closed form by implicit differentiation of
    v^2 - (1 - 2 r P) v + (r^2 + x^2) P^2 = 0   (v = |V|^2 at the far end, Q = 0).
Run: python3 test/tools/marginalLosses2bus.py
"""
import numpy as np

r, x, base_kva = 0.02, 0.04, 100.0
z = complex(r, x)


def losses_kw(p_kw: float) -> float:
    s = p_kw / base_kva
    v = 1.0 + 0j
    for _ in range(200):
        i = np.conj(s / v)
        v_new = 1.0 - z * i
        if abs(v_new - v) < 1e-14:
            v = v_new
            break
        v = v_new
    i = np.conj(s / v)
    return float(abs(i) ** 2 * r * base_kva)


P = 1.0  # p.u.
v = float(((1 - 2 * r * P) + np.sqrt((1 - 2 * r * P) ** 2 - 4 * (r * r + x * x) * P * P)) / 2)
dv = -(2 * r * v + 2 * (r * r + x * x) * P) / (2 * v - (1 - 2 * r * P))
closed = 2 * r * P / v - r * P * P * dv / v**2
h = 0.01
central = (losses_kw(100 + h) - losses_kw(100 - h)) / (2 * h)
print(f"L = {losses_kw(100.0)!r} kW (closed form {r * P * P / v * base_kva!r})")
print(f"dL/dP = {closed!r} (closed form); {central!r} (central difference of the sweep)")
print(f"first order 2 r P / v = {2 * r * P / v!r}")
print(f"DLMP at 40/MWh = {40 * (1 + closed)!r}")


# The fixed point of a price-responsive block (test/market/lp/marginalLossDispatch.spec.ts, "a block
# cleared in part"): 100 kW fixed and a buy of 50 kW at 42 at the far end, the substation at 40. The
# block clears q kW where its bus's DLMP meets its price, 40 (1 + LF(100 + q)) = 42, i.e. LF = 0.05:
# solved here by bisection on the closed form (LF rises with P: the losses are convex).
def lf_closed(P: float) -> float:
    v = float(((1 - 2 * r * P) + np.sqrt((1 - 2 * r * P) ** 2 - 4 * (r * r + x * x) * P * P)) / 2)
    dv = -(2 * r * v + 2 * (r * r + x * x) * P) / (2 * v - (1 - 2 * r * P))
    return 2 * r * P / v - r * P * P * dv / v**2


lo, hi = 1.0, 1.5
for _ in range(100):
    mid = (lo + hi) / 2
    lo, hi = (mid, hi) if lf_closed(mid) < 0.05 else (lo, mid)
print(f"block in part: LF = 0.05 at P = {lo!r} p.u., q = {lo * base_kva - 100!r} kW; LF'(P) = {(lf_closed(lo + 1e-6) - lf_closed(lo - 1e-6)) / 2e-6 / base_kva!r} per kW")
