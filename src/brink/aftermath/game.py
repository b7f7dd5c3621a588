"""The post-war game, solved by finite-horizon backward induction over a reserves grid.

The state after the crisis is the month ``t`` (0 .. ``H - 1``), the leader's reserves ``R``
(USD bn) and whether he is still in office.  Each month, in this order:

1. the leader chooses a discount for each partner that buys his energy (a fraction of
   ``energy_discount.offered_usd_per_bbl`` from ``energy_discount.levels``), paid from
   reserves on the barrels the partner keeps buying; if the reserves and this month's
   revenue cannot pay it in full, the discount runs for the share ``k`` of the month they
   pay for and stops;
2. each partner backs him or walks away (a random-utility choice: the backed share is the
   logit of :func:`brink.mechanisms.partners.backing_log_odds`);
3. the winning coalition moves against him or stays loyal
   (:func:`brink.mechanisms.survival.elite_move_probability`);
4. each outside power acts to install a more favourable ruler or not
   (:func:`brink.mechanisms.removal.intervention`), on top of the Archigos background rate
   of foreign-imposed exits by powers the scenario does not name;
5. reserves move: ``R' = max(0, R + revenue - k * cost(discount))``.

Partners, the coalition and outside powers are short-run players whose choices are best
responses to private shocks (Harsanyi 1973's purification of the logit); the leader is
the long-run player.  His value (units of the challenger's stake)::

    Q_t(R, a) = flow(a) - h(a) * punishment + (1 - h(a)) * delta * V_{t+1}(R'(a))
    flow(a)   = (office_value + sphere_value * influence + partner_value * support(a)) / H
                - fiscal_weight * k * cost(a)
    V_t(R)    = max_a Q_t(R, a)                (best response; the solvers spe and pbe)
              = sum_a softmax(lam * Q)_a Q_a   (logit response with precision lam; qbi, qre)
    V_H(R)    = 0

with ``h = 1 - (1 - h_dom) * (1 - h_foreign)``.  ``V`` lives on a uniform grid of
:data:`GRID_POINTS` reserve levels from 0 to the most the reserves can reach, linearly
interpolated.  The equilibrium path is then followed forward from the actual reserves:
each month the leader's choice is taken at the exact reserve level (``Q`` with the
interpolated ``V_{t+1}``), the survival curve is the product of the monthly survival
probabilities ``S_{t+1} = S_t * (1 - h_t)``, and under a logit leader the path follows the
expected reserves (a certainty-equivalent path; its hazards and supports are the
choice-weighted averages).  The value of the crisis ending to the leader is the value of
that path; the survival, the causes of removal and the partners' support are its
read-out.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from brink.arrays import FloatArray, IndexArray

__all__ = ["GRID_POINTS", "LANES", "RECORDED", "solve_kernel"]

#: Reserve levels of the value-function grid.  Against a grid of 129 on ``ukraine-2022`` (2,048
#: samples, eight endings) the leader's value moves by 1.1e-5 of the stake on average and 1.4e-3
#: at most (where a finer grid flips a discount choice at a threshold); 17 levels do no better
#: (2.9e-3 at most), so 9 it is (``tests/test_aftermath.py`` holds the bound).
GRID_POINTS = 9

#: The per-month quantities the forward pass records, in this order (``rec[s, t, i]``).
RECORDED: tuple[str, ...] = (
    "in_office",  # S_t: probability the leader is still in office at the start of month t
    "domestic_hazard",  # probability the coalition removes him in month t, given in office
    "foreign_hazard",  # probability outsiders remove him in month t (the coalition did not)
    "reserves_usd_bn",  # reserves at the start of month t
    "discount_usd_per_bbl",  # mean discount paid to the buying partners this month
    "spent_usd_bn",  # reserves spent on the discount this month
    "paid_share",  # share of the month the chosen discount was paid (1 while reserves last)
)


#: Samples solved together: the kernel's innermost loops run over the lanes of a block.  On
#: ``ukraine-2022`` 32 lanes solve a sample in 0.45 of the scalar kernel's time, 8 lanes in 0.66
#: and 64 no faster than 32 (the kernel alone, CPU time); spare lanes of a last, partial
#: block repeat its last sample.
LANES = 32


@njit(cache=True, nogil=True, error_model="numpy")
def _month_lanes(
    R: FloatArray, L: FloatArray, cost: FloatArray, ms_a: FloatArray, gain: FloatArray, icost: FloatArray,
    isucc: FloatArray, lost: float, bl: FloatArray, W: FloatArray, E: FloatArray, seen: FloatArray,
    got: FloatArray, domestic: bool,
) -> None:
    """One month from reserves ``R[b]`` under every action ``a`` for every lane ``b`` of a block.

    ``L`` holds the lanes' scalars (rows :data:`_L_ROWS`), ``bl`` each lane's base log-odds
    of the coalition this month.  Writes the rows of ``W (rows, A, B)``: share paid ``k``,
    next reserves, mean support, the coalition's log-odds without the base rate, the foreign
    hazard and, with ``domestic``, the domestic hazard and their union.  ``seen`` and ``got``
    ``(I + 1, A, B)`` remember each exponent and its ``exp`` from the last call (NaN: none), so
    a month whose exponent is that of the month before (reserves above their start, the base
    rate in the same tenure band) reuses the value instead of calling ``exp`` again.  The
    arithmetic is :mod:`brink.aftermath.reference`'s ``_month`` and
    :func:`brink.mechanisms.removal.intervention` operation for operation; what depends on
    the reserves alone (the shortfall, the weakness) is computed once for all actions, and the
    loops run lanes innermost, the ``exp`` calls in loops of their own so the rest vectorises."""
    A, B = cost.shape
    n_int = gain.shape[0]
    for b in range(B):
        Rb = R[b]
        R0 = L[_R0, b]
        short = min(max(1.0 - Rb / R0, 0.0), 1.0) if R0 > 0.0 else 0.0
        W[_SHORT, 0, b] = short
        W[_WEAK, 0, b] = 0.5 * lost + 0.5 * short
        W[_SUM, 0, b] = Rb + L[_REV, b]
    for a in range(A):
        for b in range(B):
            c = cost[a, b]
            got_r = W[_SUM, 0, b]
            avail = max(got_r, 0.0)
            kf = avail / c if c > avail else 1.0
            ms = kf * ms_a[a, b] + (1.0 - kf) * ms_a[0, b]
            x = L[_DOMX, b] + L[_PW, b] * (1.0 - ms) + L[_GW, b] * W[_SHORT, 0, b]
            W[_K, a, b] = kf
            W[_RN, a, b] = max(got_r - kf * c, 0.0)
            W[_MS, a, b] = ms
            W[_X, a, b] = x
            W[_KEEP, a, b] = 1.0 - L[_HBG, b]
            E[n_int, a, b] = -(bl[b] + x)
    for i in range(n_int):
        for a in range(A):
            for b in range(B):
                q = isucc[i, b] * L[_DET, b] * (1.0 - L[_SHD, b] * W[_MS, a, b]) * (1.0 + L[_WEFF, b] * W[_WEAK, 0, b])
                q = min(max(q, 0.0), 1.0)
                W[_IQ0 + i, a, b] = q
                E[i, a, b] = -(gain[i, b] * q - icost[i, b])
    for i in range(n_int + 1 if domestic else n_int):
        for a in range(A):
            for b in range(B):
                arg = E[i, a, b]
                if arg == seen[i, a, b]:  # this action's exponent as last month: the same exp
                    E[i, a, b] = got[i, a, b]
                else:
                    e = np.exp(arg)
                    seen[i, a, b] = arg
                    got[i, a, b] = e
                    E[i, a, b] = e
    for i in range(n_int):
        for a in range(A):
            for b in range(B):
                act = 1.0 / (1.0 + E[i, a, b])
                W[_KEEP, a, b] *= 1.0 - act * W[_IQ0 + i, a, b]
    for a in range(A):
        for b in range(B):
            W[_HF, a, b] = 1.0 - W[_KEEP, a, b]
    if domestic:
        for a in range(A):
            for b in range(B):
                hd = 1.0 / (1.0 + E[n_int, a, b])
                W[_HD, a, b] = hd
                W[_H, a, b] = 1.0 - (1.0 - hd) * (1.0 - W[_HF, a, b])


# rows of the lanes' scalars ``L``
_R0, _REV, _TOP, _DOMX, _PW, _GW, _HBG, _DET, _SHD, _WEFF, _FF, _PV, _FIS, _PUN, _DELTA = range(15)
_L_ROWS = 15
# rows of one month's work ``W`` (then one row per outside power's chance of success); _WEAK, _SHORT
# and _SUM (reserves plus revenue) depend on the lane alone and use column 0
_K, _RN, _MS, _X, _WEAK, _KEEP, _HF, _HD, _H, _SHORT, _SUM, _IQ0 = range(12)


@njit(cache=True, nogil=True, error_model="numpy")
def _choose_lanes(q: FloatArray, lam: float, fixed: int, pi: FloatArray, bq: FloatArray, best: IndexArray) -> None:
    """Each lane's choice probabilities over actions (``q (A, B)``, ``pi (A, B)``): fixed, best
    response (the first of the best, as a scalar argmax) or logit, as the reference's ``_choice``."""
    A, B = q.shape
    if fixed >= 0:
        for a in range(A):
            v = 1.0 if a == fixed else 0.0
            for b in range(B):
                pi[a, b] = v
        return
    for b in range(B):
        bq[b] = q[0, b]
        best[b] = 0
    for a in range(1, A):
        for b in range(B):
            better = q[a, b] > bq[b]
            bq[b] = q[a, b] if better else bq[b]
            best[b] = a if better else best[b]
    if not np.isfinite(lam):
        for a in range(A):
            for b in range(B):
                pi[a, b] = 1.0 if best[b] == a else 0.0
        return
    for a in range(A):
        for b in range(B):
            pi[a, b] = np.exp(lam * (q[a, b] - bq[b]))
    for b in range(B):
        total = 0.0
        for a in range(A):
            total += pi[a, b]
        for a in range(A):
            pi[a, b] /= total


@njit(cache=True, nogil=True, error_model="numpy")
def _backward(
    bl: FloatArray, L: FloatArray, xd: FloatArray, hf: FloatArray, fl: FloatArray, ii: IndexArray, ww: FloatArray,
    lam: float, fixed: int, V: FloatArray, c1: FloatArray, c2: FloatArray, q: FloatArray, pi: FloatArray,
    bq: FloatArray, best: IndexArray, last: FloatArray,
) -> None:
    """The leader's value ``V (H + 1, G, B)`` by backward induction for every lane of a block.

    ``Q = fl - h * pun + (1 - h) * delta * V_{t+1}`` is evaluated as the reference does,
    ``(fl - h * pun) + ((1 - h) * delta) * V_{t+1}``; the two brackets ``c1`` and ``c2``
    change only with the base rate's tenure band, so they are kept from month to month."""
    H = bl.shape[0]
    G, A, B = xd.shape
    V[H, :, :] = 0.0
    last[:] = np.nan
    for t in range(H - 1, -1, -1):
        for b in range(B):
            if bl[t, b] != last[b]:  # the base rate moves only with the tenure band
                last[b] = bl[t, b]
                pun = L[_PUN, b]
                dl = L[_DELTA, b]
                for g in range(G):
                    for a in range(A):
                        hd = 1.0 / (1.0 + np.exp(-(last[b] + xd[g, a, b])))
                        h = 1.0 - (1.0 - hd) * (1.0 - hf[g, a, b])
                        c1[g, a, b] = fl[g, a, b] - h * pun
                        c2[g, a, b] = (1.0 - h) * dl
        for g in range(G):
            if G == 1:
                for a in range(A):
                    for b in range(B):
                        q[a, b] = c1[g, a, b] + c2[g, a, b] * V[t + 1, 0, b]
            else:
                for a in range(A):
                    for b in range(B):
                        i = ii[g, a, b]
                        w = ww[g, a, b]
                        q[a, b] = c1[g, a, b] + c2[g, a, b] * (V[t + 1, i, b] * (1.0 - w) + V[t + 1, i + 1, b] * w)
            _choose_lanes(q, lam, fixed, pi, bq, best)
            for b in range(B):
                V[t, g, b] = 0.0
            for a in range(A):
                for b in range(B):
                    V[t, g, b] += pi[a, b] * q[a, b]


@njit(cache=True, nogil=True, error_model="numpy")
def solve_kernel(
    base_logit: FloatArray, dom_shift: FloatArray, pw_log: FloatArray, goods_w: FloatArray, h_bg: FloatArray,
    gain: FloatArray, icost: FloatArray, isucc: FloatArray, deter: FloatArray, shield: FloatArray,
    weak_eff: FloatArray, lost: FloatArray, msupp: FloatArray, psupp: FloatArray, cost: FloatArray,
    disc: FloatArray, revenue: FloatArray, R0: FloatArray, flow_fixed: FloatArray, pv: FloatArray,
    fiscal: FloatArray, pun: FloatArray, delta: FloatArray, lam: float, fixed: int, G: int,
    out: FloatArray, out_abandon: FloatArray, rec_start: IndexArray, rec: FloatArray, rec_support: FloatArray,
    only_recorded: bool,
) -> None:
    """Solve the post-war game of every sample ``s`` and crisis ending ``k`` (module doc).

    Shapes: ``base_logit (S, H)``; ``dom_shift, revenue, flow_fixed, pun (S, K)``;
    ``pw_log, goods_w, h_bg, deter, shield, weak_eff, R0, pv, fiscal, delta (S,)``;
    ``gain, icost, isucc (S, I)``; ``lost (K,)``; ``msupp, cost (S, K, A)``; ``psupp (S, K, A,
    P)``; ``disc (S, A)``.  Writes ``out (S, K, 6)``: value, survival to the horizon,
    domestic and foreign removal, months of discount paid, reserves spent; ``out_abandon (S,
    K, P)``: each partner's mean share walked away over the months; and for the ending
    ``rec_start[s] >= 0`` the month-by-month path ``rec (S, H, len(RECORDED))`` and
    ``rec_support (S, H, P)``; with ``only_recorded`` the other endings are skipped (NaN).

    The samples of an ending are solved :data:`LANES` at a time, each block's inputs copied
    into lane-minor arrays so that every loop over the block's samples is innermost and
    free of branches; each sample's arithmetic is that of
    :func:`brink.aftermath.reference.solve_kernel_reference` in the same order, so the
    numbers are the same bit for bit.
    """
    S, H = base_logit.shape
    K = dom_shift.shape[1]
    A = cost.shape[2]
    P = psupp.shape[3]
    n_int = gain.shape[1]
    B = LANES
    lanes = np.empty(B, dtype=np.int64)
    L = np.empty((_L_ROWS, B))
    c_l = np.empty((A, B))
    ms_l = np.empty((A, B))
    ps_l = np.empty((A, P, B))
    disc_l = np.empty((A, B))
    gain_l = np.empty((n_int, B))
    icost_l = np.empty((n_int, B))
    isucc_l = np.empty((n_int, B))
    bl_l = np.empty((H, B))
    W = np.empty((_IQ0 + n_int, A, B))
    E = np.empty((n_int + 1, A, B))
    seen = np.empty((n_int + 1, A, B))
    seen_g = np.full((n_int + 1, A, B), np.nan)
    got = np.empty((n_int + 1, A, B))
    Rg = np.empty(B)
    rn = np.empty((G, A, B))
    hf = np.empty((G, A, B))
    xd = np.empty((G, A, B))
    fl = np.empty((G, A, B))
    c1 = np.empty((G, A, B))
    c2 = np.empty((G, A, B))
    ii = np.zeros((G, A, B), dtype=np.int64)
    ww = np.zeros((G, A, B))
    V = np.empty((H + 1, G, B))
    q = np.empty((A, B))
    pi = np.empty((A, B))
    bq = np.empty(B)
    best = np.empty(B, dtype=np.int64)
    last = np.empty(B)
    hd_a = np.empty((A, B))
    hf_a = np.empty((A, B))
    k_a = np.empty((A, B))
    r_a = np.empty((A, B))
    u_a = np.empty((A, B))
    R = np.empty(B)
    alive = np.empty(B)
    disc_t = np.empty(B)
    acc = np.empty((6, B))
    ab = np.empty((P, B))
    todo = np.empty(S, dtype=np.int64)
    for k in range(K):
        n = 0
        for s in range(S):
            if only_recorded and rec_start[s] != k:
                out[s, k, :] = np.nan
                continue
            todo[n] = s
            n += 1
        for first in range(0, n, B):
            used = min(B, n - first)
            for b in range(B):
                lanes[b] = todo[first + min(b, used - 1)]  # spare lanes repeat the last sample
            for b in range(B):
                s = lanes[b]
                L[_R0, b] = R0[s]
                L[_REV, b] = revenue[s, k]
                L[_TOP, b] = R0[s] + H * max(revenue[s, k], 0.0)
                L[_DOMX, b] = dom_shift[s, k]
                L[_PW, b] = pw_log[s]
                L[_GW, b] = goods_w[s]
                L[_HBG, b] = h_bg[s]
                L[_DET, b] = deter[s]
                L[_SHD, b] = shield[s]
                L[_WEFF, b] = weak_eff[s]
                L[_FF, b] = flow_fixed[s, k]
                L[_PV, b] = pv[s]
                L[_FIS, b] = fiscal[s]
                L[_PUN, b] = pun[s, k]
                L[_DELTA, b] = delta[s]
                for a in range(A):
                    c_l[a, b] = cost[s, k, a]
                    ms_l[a, b] = msupp[s, k, a]
                    disc_l[a, b] = disc[s, a]
                    for j in range(P):
                        ps_l[a, j, b] = psupp[s, k, a, j]
                for i in range(n_int):
                    gain_l[i, b] = gain[s, i]
                    icost_l[i, b] = icost[s, i]
                    isucc_l[i, b] = isucc[s, i]
                for t in range(H):
                    bl_l[t, b] = base_logit[s, t]
            lk = lost[k]
            # the month's quantities at every grid level and action (the base rate aside)
            for g in range(G):
                for b in range(B):
                    step = L[_TOP, b] / (G - 1) if G > 1 else 0.0
                    Rg[b] = g * step
                seen_g[:, :, :] = np.nan
                _month_lanes(Rg, L, c_l, ms_l, gain_l, icost_l, isucc_l, lk, bl_l[0], W, E, seen_g, got, False)
                for a in range(A):
                    for b in range(B):
                        kf = W[_K, a, b]
                        rn[g, a, b] = W[_RN, a, b]
                        hf[g, a, b] = W[_HF, a, b]
                        xd[g, a, b] = W[_X, a, b]
                        fl[g, a, b] = L[_FF, b] + L[_PV, b] * W[_MS, a, b] - L[_FIS, b] * kf * c_l[a, b]
            for g in range(G):
                for a in range(A):
                    for b in range(B):
                        top = L[_TOP, b]
                        x = rn[g, a, b] / top * (G - 1) if top > 0.0 else 0.0
                        i = min(int(x), G - 2) if G > 1 else 0
                        ii[g, a, b] = i
                        ww[g, a, b] = min(x - i, 1.0) if G > 1 else 0.0
            # backward induction over the months
            _backward(bl_l, L, xd, hf, fl, ii, ww, lam, fixed, V, c1, c2, q, pi, bq, best, last)
            # forward along the equilibrium path from the actual reserves
            seen[:, :, :] = np.nan
            for b in range(B):
                R[b] = L[_R0, b]
                alive[b] = 1.0
                disc_t[b] = 1.0
            acc[:, :] = 0.0
            ab[:, :] = 0.0
            for t in range(H):
                _month_lanes(R, L, c_l, ms_l, gain_l, icost_l, isucc_l, lk, bl_l[t], W, E, seen, got, True)
                for a in range(A):
                    for b in range(B):
                        kf = W[_K, a, b]
                        r2 = W[_RN, a, b]
                        h = W[_H, a, b]
                        hd = W[_HD, a, b]
                        flow = L[_FF, b] + L[_PV, b] * W[_MS, a, b] - L[_FIS, b] * kf * c_l[a, b]
                        u = flow - h * L[_PUN, b]
                        top = L[_TOP, b]
                        x = r2 / top * (G - 1)
                        inside = top > 0.0 and x < G - 1
                        xs = x if inside else 0.0
                        i = int(xs)
                        w = xs - i
                        mid = V[t + 1, i, b] * (1.0 - w) + V[t + 1, min(i + 1, G - 1), b] * w
                        nxt = mid if inside else (V[t + 1, 0, b] if top <= 0.0 else V[t + 1, G - 1, b])
                        q[a, b] = u + (1.0 - h) * L[_DELTA, b] * nxt
                        hd_a[a, b] = hd
                        hf_a[a, b] = (1.0 - hd) * W[_HF, a, b]
                        k_a[a, b] = kf
                        r_a[a, b] = r2
                        u_a[a, b] = u
                _choose_lanes(q, lam, fixed, pi, bq, best)
                for b in range(B):  # per lane, the sums over actions in registers
                    h_dom = 0.0
                    h_for = 0.0
                    r_next = 0.0
                    paid = 0.0
                    share = 0.0
                    d_paid = 0.0
                    gain_t = 0.0
                    for a in range(A):
                        p = pi[a, b]
                        pk = p * k_a[a, b]
                        c = c_l[a, b]
                        h_dom += p * hd_a[a, b]
                        h_for += p * hf_a[a, b]
                        r_next += p * r_a[a, b]
                        paid += pk * c
                        gain_t += p * u_a[a, b]
                        if c > 0.0:
                            share += pk
                            d_paid += pk * disc_l[a, b]
                    s = lanes[b]
                    record = b < used and rec_start[s] == k
                    for j in range(P):
                        sj = 0.0
                        for a in range(A):
                            kf = k_a[a, b]
                            sj += pi[a, b] * (kf * ps_l[a, j, b] + (1.0 - kf) * ps_l[0, j, b])
                        ab[j, b] += (1.0 - sj) / H
                        if record:
                            rec_support[s, t, j] = sj
                    al = alive[b]
                    if record:
                        rec[s, t, 0] = al
                        rec[s, t, 1] = h_dom
                        rec[s, t, 2] = h_for
                        rec[s, t, 3] = R[b]
                        rec[s, t, 4] = d_paid
                        rec[s, t, 5] = paid
                        rec[s, t, 6] = share
                    acc[0, b] += disc_t[b] * al * gain_t
                    acc[2, b] += al * h_dom
                    acc[3, b] += al * h_for
                    acc[4, b] += share
                    acc[5, b] += paid
                    alive[b] = al * (1.0 - h_dom - h_for)
                    disc_t[b] *= L[_DELTA, b]
                    R[b] = r_next
            for b in range(used):
                s = lanes[b]
                out[s, k, 0] = acc[0, b]
                out[s, k, 1] = alive[b]
                out[s, k, 2] = acc[2, b]
                out[s, k, 3] = acc[3, b]
                out[s, k, 4] = acc[4, b]
                out[s, k, 5] = acc[5, b]
                for j in range(P):
                    out_abandon[s, k, j] = ab[j, b]


@njit(cache=True, nogil=True)
def mix_kernel(x: FloatArray, lot: FloatArray, index: IndexArray, out: FloatArray) -> None:
    """``out[s, o, f] = sum_j lot[s, o, j] * x[s, index[j, o], f]``: a quantity of every ending
    ``x (S, K, F)`` averaged over the lottery ``lot (S, O, J)`` of endings ``index (J, O)``.

    The sum runs over ``j`` in order from 0, as ``np.einsum("sko,skop->sop", ...)`` of the
    code it replaced did, so the numbers are the same."""
    S, C, J = lot.shape
    F = x.shape[2]
    for s in range(S):
        for o in range(C):
            for f in range(F):
                v = 0.0
                for j in range(J):
                    v += lot[s, o, j] * x[s, index[j, o], f]
                out[s, o, f] = v
