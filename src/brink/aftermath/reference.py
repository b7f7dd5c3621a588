"""The post-war game's scalar kernel: one sample and one ending at a time.

This is the kernel of brink 0.1's post-war game as first written (:mod:`brink.aftermath.game`
has the model).  The kernel the package runs, :func:`brink.aftermath.game.solve_kernel`, lays
the same arithmetic out over blocks of samples; ``tests/test_aftermath_kernel.py`` checks that
the two give the same numbers bit for bit on random inputs.  It is kept as that reference, not
run by the package.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from brink.arrays import FloatArray, IndexArray
from brink.mechanisms.removal import intervention

__all__ = ["solve_kernel_reference"]


@njit(cache=True, nogil=True)
def _month(
    R: float, R0: float, rev: float, cost: float, ms_a: float, ms_0: float, dom_x: float, pw_log: float,
    goods_w: float, h_bg: float, gain: FloatArray, icost: FloatArray, isucc: FloatArray, deter: float,
    shield: float, weak_eff: float, lost: float,
) -> tuple[float, float, float, float, float]:
    """One month from reserves ``R`` under an action of full-month cost ``cost``:
    ``(k, R', mean support, domestic-x, foreign hazard)``; ``dom_x`` is the part of the
    coalition's log-odds that does not depend on the month."""
    avail = max(R + rev, 0.0)
    k = 1.0
    if cost > avail:
        k = avail / cost
    r_next = max(R + rev - k * cost, 0.0)
    ms = k * ms_a + (1.0 - k) * ms_0
    short = 0.0
    if R0 > 0.0:
        short = min(max(1.0 - R / R0, 0.0), 1.0)
    x = dom_x + pw_log * (1.0 - ms) + goods_w * short
    weakness = 0.5 * lost + 0.5 * short
    keep = 1.0 - h_bg
    for i in range(gain.shape[0]):
        q, a = intervention(isucc[i], deter, shield, ms, weak_eff, weakness, gain[i], icost[i])
        keep *= 1.0 - a * q
    return k, r_next, ms, x, 1.0 - keep


@njit(cache=True, nogil=True)
def _interp(V: FloatArray, row: int, top: float, R: float) -> float:
    """``V[row]`` linearly interpolated at reserves ``R`` on the uniform grid ``0 .. top``."""
    G = V.shape[1]
    if top <= 0.0:
        return float(V[row, 0])
    x = R / top * (G - 1)
    if x >= G - 1:
        return float(V[row, G - 1])
    i = int(x)
    w = x - i
    return float(V[row, i] * (1.0 - w) + V[row, i + 1] * w)


@njit(cache=True, nogil=True)
def _choice(q: FloatArray, lam: float, fixed: int, pi: FloatArray) -> None:
    """The leader's choice probabilities over actions: fixed, best response or logit."""
    A = q.shape[0]
    pi[:] = 0.0
    if fixed >= 0:
        pi[fixed] = 1.0
        return
    best = 0
    for a in range(1, A):
        if q[a] > q[best]:
            best = a
    if not np.isfinite(lam):
        pi[best] = 1.0
        return
    total = 0.0
    for a in range(A):
        pi[a] = np.exp(lam * (q[a] - q[best]))
        total += pi[a]
    for a in range(A):
        pi[a] /= total


@njit(cache=True, nogil=True)
def solve_kernel_reference(
    base_logit: FloatArray, dom_shift: FloatArray, pw_log: FloatArray, goods_w: FloatArray, h_bg: FloatArray,
    gain: FloatArray, icost: FloatArray, isucc: FloatArray, deter: FloatArray, shield: FloatArray,
    weak_eff: FloatArray, lost: FloatArray, msupp: FloatArray, psupp: FloatArray, cost: FloatArray,
    disc: FloatArray, revenue: FloatArray, R0: FloatArray, flow_fixed: FloatArray, pv: FloatArray,
    fiscal: FloatArray, pun: FloatArray, delta: FloatArray, lam: float, fixed: int, G: int,
    out: FloatArray, out_abandon: FloatArray, rec_start: IndexArray, rec: FloatArray, rec_support: FloatArray,
    only_recorded: bool,
) -> None:
    """The post-war game of every sample and ending, one sample at a time (same arguments and
    results as :func:`brink.aftermath.game.solve_kernel`, which must equal it bit for bit).

    Shapes: ``base_logit (S, H)``; ``dom_shift, revenue, flow_fixed, pun (S, K)``;
    ``pw_log, goods_w, h_bg, deter, shield, weak_eff, R0, pv, fiscal, delta (S,)``;
    ``gain, icost, isucc (S, I)``; ``lost (K,)``; ``msupp, cost (S, K, A)``; ``psupp (S, K, A,
    P)``; ``disc (S, A)``.  Writes ``out (S, K, 6)``: value, survival to the horizon,
    domestic and foreign removal, months of discount paid, reserves spent; ``out_abandon (S,
    K, P)``: each partner's mean share walked away over the months; and for the ending
    ``rec_start[s] >= 0`` the month-by-month path ``rec (S, H, len(RECORDED))`` and
    ``rec_support (S, H, P)``; with ``only_recorded`` the other endings are skipped (NaN).
    """
    S, H = base_logit.shape
    K = dom_shift.shape[1]
    A = cost.shape[2]
    P = psupp.shape[3]
    V = np.empty((H + 1, G))
    kk = np.empty((G, A))
    rn = np.empty((G, A))
    hf = np.empty((G, A))
    xd = np.empty((G, A))
    fl = np.empty((G, A))
    hh = np.empty((G, A))
    ii = np.zeros((G, A), dtype=np.int64)
    ww = np.zeros((G, A))
    q = np.empty(A)
    pi = np.empty(A)
    hd_a = np.empty(A)
    hf_a = np.empty(A)
    k_a = np.empty(A)
    r_a = np.empty(A)
    u_a = np.empty(A)
    for s in range(S):
        gain_s, icost_s, isucc_s = gain[s], icost[s], isucc[s]
        for k in range(K):
            if only_recorded and rec_start[s] != k:
                out[s, k, :] = np.nan
                continue
            top = R0[s] + H * max(revenue[s, k], 0.0)
            step = top / (G - 1) if G > 1 else 0.0
            for g in range(G):
                R = g * step
                for a in range(A):
                    kf, r2, ms, x, h2 = _month(
                        R, R0[s], revenue[s, k], cost[s, k, a], msupp[s, k, a], msupp[s, k, 0],
                        dom_shift[s, k], pw_log[s], goods_w[s], h_bg[s], gain_s, icost_s, isucc_s,
                        deter[s], shield[s], weak_eff[s], lost[k],
                    )
                    kk[g, a] = kf
                    rn[g, a] = r2
                    hf[g, a] = h2
                    xd[g, a] = x
                    fl[g, a] = flow_fixed[s, k] + pv[s] * ms - fiscal[s] * kf * cost[s, k, a]
            for g in range(G):
                for a in range(A):
                    x = rn[g, a] / top * (G - 1) if top > 0.0 else 0.0
                    i = min(int(x), G - 2) if G > 1 else 0
                    ii[g, a] = i
                    ww[g, a] = min(x - i, 1.0) if G > 1 else 0.0
            V[H, :] = 0.0
            last = np.nan
            for t in range(H - 1, -1, -1):
                if base_logit[s, t] != last:  # the base rate moves only with the tenure band
                    last = base_logit[s, t]
                    for g in range(G):
                        for a in range(A):
                            hd = 1.0 / (1.0 + np.exp(-(last + xd[g, a])))
                            hh[g, a] = 1.0 - (1.0 - hd) * (1.0 - hf[g, a])
                for g in range(G):
                    for a in range(A):
                        h = hh[g, a]
                        i = ii[g, a]
                        nxt = V[t + 1, i] if G == 1 else V[t + 1, i] * (1.0 - ww[g, a]) + V[t + 1, i + 1] * ww[g, a]
                        q[a] = fl[g, a] - h * pun[s, k] + (1.0 - h) * delta[s] * nxt
                    _choice(q, lam, fixed, pi)
                    v = 0.0
                    for a in range(A):
                        v += pi[a] * q[a]
                    V[t, g] = v
            # forward along the equilibrium path from the actual reserves
            R = R0[s]
            alive = 1.0
            disc_t = 1.0
            value = 0.0
            dom = 0.0
            fore = 0.0
            months = 0.0
            spent = 0.0
            record = rec_start[s] == k
            for j in range(P):
                out_abandon[s, k, j] = 0.0
            for t in range(H):
                for a in range(A):
                    kf, r2, ms, x, h2 = _month(
                        R, R0[s], revenue[s, k], cost[s, k, a], msupp[s, k, a], msupp[s, k, 0],
                        dom_shift[s, k], pw_log[s], goods_w[s], h_bg[s], gain_s, icost_s, isucc_s,
                        deter[s], shield[s], weak_eff[s], lost[k],
                    )
                    hd = 1.0 / (1.0 + np.exp(-(base_logit[s, t] + x)))
                    h = 1.0 - (1.0 - hd) * (1.0 - h2)
                    flow = flow_fixed[s, k] + pv[s] * ms - fiscal[s] * kf * cost[s, k, a]
                    q[a] = flow - h * pun[s, k] + (1.0 - h) * delta[s] * _interp(V, t + 1, top, r2)
                    hd_a[a] = hd
                    hf_a[a] = (1.0 - hd) * h2
                    k_a[a] = kf
                    r_a[a] = r2
                    u_a[a] = flow - h * pun[s, k]
                _choice(q, lam, fixed, pi)
                h_dom = 0.0
                h_for = 0.0
                r_next = 0.0
                paid = 0.0
                share = 0.0
                d_paid = 0.0
                gain_t = 0.0
                for a in range(A):
                    h_dom += pi[a] * hd_a[a]
                    h_for += pi[a] * hf_a[a]
                    r_next += pi[a] * r_a[a]
                    paid += pi[a] * k_a[a] * cost[s, k, a]
                    gain_t += pi[a] * u_a[a]
                    if cost[s, k, a] > 0.0:
                        share += pi[a] * k_a[a]
                        d_paid += pi[a] * k_a[a] * disc[s, a]
                for j in range(P):
                    sj = 0.0
                    for a in range(A):
                        sj += pi[a] * (k_a[a] * psupp[s, k, a, j] + (1.0 - k_a[a]) * psupp[s, k, 0, j])
                    out_abandon[s, k, j] += (1.0 - sj) / H
                    if record:
                        rec_support[s, t, j] = sj
                if record:
                    rec[s, t, 0] = alive
                    rec[s, t, 1] = h_dom
                    rec[s, t, 2] = h_for
                    rec[s, t, 3] = R
                    rec[s, t, 4] = d_paid
                    rec[s, t, 5] = paid
                    rec[s, t, 6] = share
                value += disc_t * alive * gain_t
                dom += alive * h_dom
                fore += alive * h_for
                months += share
                spent += paid
                alive *= 1.0 - h_dom - h_for
                disc_t *= delta[s]
                R = r_next
            out[s, k, 0] = value
            out[s, k, 1] = alive
            out[s, k, 2] = dom
            out[s, k, 3] = fore
            out[s, k, 4] = months
            out[s, k, 5] = spent
