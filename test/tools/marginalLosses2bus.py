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
