"""M6-M8: partners who back the challenger, the price of keeping them, and the sphere they covet.

* :func:`partner_support` (M6, M7): the probability a partner keeps backing the
  challenger after the crisis.  Partners bandwagon with winners and abandon a defeated
  ally (Walt 1987; Schweller 1994), shun one that broke the nuclear taboo (Tannenwald
  2007), and stay when they depend on its energy or are paid with price discounts.
  Random-utility (logit) index, McFadden 1974::

      z = logit(baseline) + winner_weight * backs_winners * (2 * won - 1)
          - taboo_weight * taboo_aversion * taboo_broken
          + dependence_weight * energy_dependence
          + discount_weight * energy_dependence * discount / oil_price
      P(support) = 1 / (1 + exp(-z))

  The weights are assumptions (defaults below); the discount enters through the share
  of the partner's import bill it saves, so it buys nothing from a partner that buys
  no energy.
* :func:`discount_cost` and :func:`sustainable_months` (M7): the fiscal cost of the
  discount and how long reserves pay for it — "unsustainable discounts indefinitely".
* :func:`sphere_influence` (M8): shares of influence in the challenger's former sphere
  as a contest success function (Tullock 1980; Hirshleifer 1989): as the challenger
  weakens, partners such as China and India gain.

The post-war game (:mod:`brink.aftermath`) makes partners players: each month a partner
chooses to keep backing the challenger or to walk away (:func:`backing_log_odds`, a
random-utility choice, McFadden 1974), and partners with a stake in the challenger's
sphere choose how much costly effort to spend on it (:func:`sphere_contest`, the Nash
equilibrium of the Tullock contest).  The 0.1 formula :func:`partner_support` is kept for
the one-exchange template, whose numbers it reproduces.

All functions take scalars or numpy arrays of shape ``(S,)`` (samples) and broadcast.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, logit

from brink.arrays import FloatArray
from brink.errors import InputError
from brink.errors import bounded_array as _array

__all__ = [
    "BACKING_BASELINE",
    "DAYS_PER_MONTH",
    "DEFEAT_STRENGTH_LOSS",
    "DEPENDENCE_WEIGHT",
    "DISCOUNT_WEIGHT",
    "OPEC_WEIGHT",
    "SPHERE_WEIGHT",
    "TABOO_WEIGHT",
    "WINNER_WEIGHT",
    "backing_log_odds",
    "discount_cost",
    "partner_support",
    "sphere_contest",
    "sphere_influence",
    "sphere_shares",
    "support_core",
    "sustainable_months",
]


#: Average days per month (365.25 / 12, rounded as in the design's closed form).
DAYS_PER_MONTH = 30.4

#: Share of its strength a defeated or conceding challenger loses in its sphere (assumption).
DEFEAT_STRENGTH_LOSS = 0.5
#: A partner's probability of backing the challenger when every term is zero (assumption).
BACKING_BASELINE = 0.5
#: Log-odds weight of bandwagoning with the winner (assumption; Walt 1987, Schweller 1994).
WINNER_WEIGHT = 3.0
#: Log-odds weight of the nuclear taboo (assumption; Tannenwald 2007).
TABOO_WEIGHT = 4.0
#: Log-odds weight of depending on the challenger's energy (assumption).
DEPENDENCE_WEIGHT = 1.0
#: Log-odds weight of the discount as a share of the oil price, times dependence (assumption).
DISCOUNT_WEIGHT = 10.0
#: Log-odds weight of OPEC+ coordination: a reason of its own to stay, not an energy
#: purchase (assumption: the same weight as full energy dependence).
OPEC_WEIGHT = 1.0
#: Log-odds weight of the partner's equilibrium share of the challenger's sphere: the more it
#: can take from a weakened challenger, the less it backs it (assumption).
SPHERE_WEIGHT = 2.0




def partner_support(
    won: ArrayLike,
    taboo_broken: ArrayLike = 0.0,
    energy_dependence: ArrayLike = 0.0,
    taboo_aversion: ArrayLike = 0.5,
    backs_winners: ArrayLike = 0.5,
    discount_usd_per_bbl: ArrayLike = 0.0,
    *,
    baseline: ArrayLike = 0.5,
    oil_price_usd_per_bbl: ArrayLike = 80.0,
    winner_weight: ArrayLike = 3.0,
    taboo_weight: ArrayLike = 4.0,
    dependence_weight: ArrayLike = 1.0,
    discount_weight: ArrayLike = 10.0,
) -> FloatArray:
    """Probability a partner keeps backing the challenger (module formula).

    Args:
        won: 1 if the challenger won, 0 if it lost (or the probability it won), in [0, 1].
        taboo_broken: 1 if the challenger used nuclear weapons (or the probability), [0, 1].
        energy_dependence: share of the partner's energy imports bought from the
            challenger, [0, 1] (e.g. India 0.38 of crude in 2024, ``brink.mechanisms.reference.energy``).
        taboo_aversion: how much the partner cares about the nuclear taboo, [0, 1].
        backs_winners: how strongly the partner bandwagons with winners, [0, 1].
        discount_usd_per_bbl: price discount offered to the partner, >= 0.
        baseline: support probability when every term is zero (assumption, 0.5).
        oil_price_usd_per_bbl: reference price that turns the discount into a share of
            the import bill (assumption, 80: Brent averaged about 82 in 2023).
        winner_weight, taboo_weight, dependence_weight, discount_weight: logit weights
            (assumptions: 3, 4, 1, 10).
    """
    w = _array("won", won, 0.0, 1.0)
    t = _array("taboo_broken", taboo_broken, 0.0, 1.0)
    dep = _array("energy_dependence", energy_dependence, 0.0, 1.0)
    aversion = _array("taboo_aversion", taboo_aversion, 0.0, 1.0)
    bandwagon = _array("backs_winners", backs_winners, 0.0, 1.0)
    discount = _array("discount_usd_per_bbl", discount_usd_per_bbl, low=0.0)
    base = _array("baseline", baseline, 0.0, 1.0)
    price = _array("oil_price_usd_per_bbl", oil_price_usd_per_bbl)
    if (price <= 0).any():
        raise InputError("oil_price_usd_per_bbl must be > 0", fix="give a positive oil price")
    return support_core(
        w, t, dep, aversion, bandwagon, discount, base, price,
        _array("winner_weight", winner_weight, low=0.0), _array("taboo_weight", taboo_weight, low=0.0),
        _array("dependence_weight", dependence_weight, low=0.0),
        _array("discount_weight", discount_weight, low=0.0),
    )


def support_core(
    won: FloatArray,
    taboo_broken: FloatArray,
    energy_dependence: FloatArray,
    taboo_aversion: FloatArray,
    backs_winners: FloatArray,
    discount_usd_per_bbl: FloatArray,
    baseline: FloatArray | float = 0.5,
    oil_price_usd_per_bbl: FloatArray | float = 80.0,
    winner_weight: FloatArray | float = 3.0,
    taboo_weight: FloatArray | float = 4.0,
    dependence_weight: FloatArray | float = 1.0,
    discount_weight: FloatArray | float = 10.0,
) -> FloatArray:
    """The formula of :func:`partner_support` without its input checks.

    For trusted callers (the crisis template) that have already checked their
    inputs once per scenario: same arguments in the same order, all keyword
    defaults equal, same numbers bit for bit.
    """
    with np.errstate(divide="ignore"):
        z = (
            logit(baseline)
            + np.multiply(winner_weight, backs_winners) * (2.0 * won - 1.0)
            - np.multiply(taboo_weight, taboo_aversion) * taboo_broken
            + np.multiply(dependence_weight, energy_dependence)
            + np.multiply(discount_weight, energy_dependence) * discount_usd_per_bbl / oil_price_usd_per_bbl
        )
    return np.asarray(expit(z), dtype=np.float64)


def discount_cost(discount_usd_per_bbl: ArrayLike, exports_mbd: ArrayLike) -> FloatArray:
    """Revenue forgone by selling ``exports_mbd`` million barrels a day at a discount, USD bn/month.

    ``discount * exports_mbd * 30.4 / 1e3``: USD/bbl x 1e6 bbl/day x days/month = USD
    million per month, divided by 1e3.  E.g. Urals at 13.71 below Brent (Sept 2023,
    Argus) on 4.4 mb/d costs about 1.8 bn a month.
    """
    d = _array("discount_usd_per_bbl", discount_usd_per_bbl, low=0.0)
    x = _array("exports_mbd", exports_mbd, low=0.0)
    return np.asarray(d * x * DAYS_PER_MONTH / 1e3, dtype=np.float64)


def sustainable_months(
    reserves_usd_bn: ArrayLike, discount_usd_per_bbl: ArrayLike, exports_mbd: ArrayLike
) -> FloatArray:
    """Months the reserves pay for the discount: ``reserves * 1e3 / (discount * exports * 30.4)`` (M7).

    Infinite when the discount (or the volume) is zero.  The closed form of the
    design's scenario sketch; it ignores other calls on the reserves, so it is an
    upper bound on how long the payment can last.
    """
    r = _array("reserves_usd_bn", reserves_usd_bn, low=0.0)
    cost = discount_cost(discount_usd_per_bbl, exports_mbd)
    with np.errstate(divide="ignore", invalid="ignore"):
        months = np.where(cost > 0, r / np.where(cost > 0, cost, 1.0), np.inf)
    return np.asarray(months, dtype=np.float64)


def sphere_influence(
    challenger_strength: ArrayLike,
    partner_strength: ArrayLike,
    partner_interest: ArrayLike = 1.0,
    *,
    challenger_interest: ArrayLike = 1.0,
    decisiveness: float = 1.0,
) -> FloatArray:
    """Shares of influence in the challenger's former sphere (M8), summing to 1.

    Contest success function (Tullock 1980; Hirshleifer 1989): actor ``i`` with
    strength ``x_i`` and interest ``a_i`` in the region gets ``(a_i x_i)^r / sum_j
    (a_j x_j)^r``, ``r = decisiveness``.

    Args:
        challenger_strength: ``(S,)`` or scalar, >= 0 (e.g. relative capability after the
            war: a defeated challenger's strength falls).
        partner_strength: ``(P,)`` or ``(S, P)``, >= 0, one column per partner.
        partner_interest: ``(P,)`` or ``(S, P)`` in [0, 1] (e.g. CHN 0.7, IND 0.3 in
            CENTRAL_ASIA, an assumption of the scenario).
        challenger_interest: scalar or ``(S,)`` in [0, 1].
        decisiveness: ``r > 0``; large values approach winner-takes-all.

    Returns:
        ``(S, 1 + P)`` shares; column 0 is the challenger's.  Where every actor has
        zero weight the shares are equal.
    """
    if not decisiveness > 0:
        raise InputError(f"decisiveness must be > 0, got {decisiveness}")
    xc = _array("challenger_strength", challenger_strength, low=0.0)
    ac = _array("challenger_interest", challenger_interest, 0.0, 1.0)
    xp = np.atleast_1d(_array("partner_strength", partner_strength, low=0.0))
    ap = np.atleast_1d(_array("partner_interest", partner_interest, 0.0, 1.0))
    challenger = np.asarray(ac * xc)
    if challenger.ndim > 1:
        raise InputError("challenger_strength must be a scalar or a (S,) array")
    challenger = np.atleast_1d(challenger)[:, None]
    partners = np.atleast_2d(xp * ap)
    if partners.ndim > 2:
        raise InputError("partner_strength must be (P,) or (S, P)")
    try:
        n, p = np.broadcast_shapes((challenger.shape[0], 1), partners.shape)
    except ValueError:
        raise InputError("partner arrays do not broadcast against the samples",
                         fix="give partner_strength as (P,) or (S, P) with S samples") from None
    weights = np.empty((n, 1 + p))
    weights[:, :1] = challenger
    weights[:, 1:] = partners
    return sphere_shares(weights, decisiveness)


def sphere_shares(weights: FloatArray, decisiveness: float = 1.0) -> FloatArray:
    """The contest of :func:`sphere_influence` without its input checks.

    ``weights[..., i] = a_i x_i`` (column 0 the challenger's, any leading shape); returns
    the shares along the last axis, equal where every weight is zero.  For trusted
    callers that checked strengths (>= 0), interests ([0, 1]) and ``decisiveness > 0``
    once per scenario.
    """
    powered = weights ** decisiveness
    total = powered.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(total > 0, powered / np.where(total > 0, total, 1.0), 1.0 / powered.shape[-1])
    return np.asarray(shares, dtype=np.float64)


def backing_log_odds(
    won: ArrayLike,
    nuclear: ArrayLike,
    energy_dependence: ArrayLike,
    taboo_aversion: ArrayLike,
    backs_winners: ArrayLike,
    discount_usd_per_bbl: ArrayLike,
    oil_price_usd_per_bbl: ArrayLike,
    opec_plus_coordination: ArrayLike,
    sphere_share: ArrayLike,
) -> FloatArray:
    """A partner's log-odds of backing the challenger for a month (the post-war game).

    Random utility (McFadden 1974): the partner backs when ``z + e1 > e0`` with private
    logistic shocks, so it backs with probability ``1 / (1 + exp(-z))``::

        z = logit(0.5) + 3 * backs_winners * (2 won - 1) - 4 * taboo_aversion * nuclear
            + 1 * energy_dependence + 10 * energy_dependence * discount / oil_price
            + 1 * opec_plus_coordination - 2 * sphere_share

    The discount is worth the share of the partner's import bill it saves, so it moves
    only a partner that buys the challenger's energy (``energy_dependence > 0``); OPEC+
    coordination is a reason of its own, which no discount buys (0.1 added it to the
    dependence, so a crude discount bought Saudi support).  ``sphere_share`` is the
    partner's equilibrium share of the challenger's sphere (:func:`sphere_contest`).
    Inputs broadcast; for trusted callers (no range checks).
    """
    with np.errstate(divide="ignore"):
        z = (
            logit(BACKING_BASELINE)
            + WINNER_WEIGHT * np.asarray(backs_winners) * (2.0 * np.asarray(won) - 1.0)
            - TABOO_WEIGHT * np.asarray(taboo_aversion) * np.asarray(nuclear)
            + DEPENDENCE_WEIGHT * np.asarray(energy_dependence)
            + DISCOUNT_WEIGHT * np.asarray(energy_dependence) * np.asarray(discount_usd_per_bbl)
            / np.asarray(oil_price_usd_per_bbl)
            + OPEC_WEIGHT * np.asarray(opec_plus_coordination)
            - SPHERE_WEIGHT * np.asarray(sphere_share)
        )
    return np.asarray(z, dtype=np.float64)


def sphere_contest(incumbent: ArrayLike, values: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Nash equilibrium of a Tullock contest for the challenger's sphere (M8, a choice).

    Each partner ``j`` chooses an effort ``e_j >= 0`` to maximise ``v_j e_j / X - e_j``
    with ``X = x_c + sum_k e_k``: ``v_j`` is its value of the whole sphere in units of
    effort (``capability_j * interest_j``: a stronger partner pays less per unit of
    influence) and ``x_c`` the challenger's standing strength, which it does not choose
    (Tullock 1980; Hillman & Riley 1989 for asymmetric contestants).  The first-order
    condition gives ``e_j = X - X**2 / v_j`` for the active partners (``v_j > X``), whose
    sum fixes ``X``::

        (sum_active 1/v_j) X**2 - (m - 1) X - x_c = 0

    for ``m`` active partners; the active set is the ``m`` highest values for which the
    root exceeds none of the inactive values and is below every active one.

    Args:
        incumbent: ``x_c >= 0``, any shape ``B`` (e.g. ``(S, K)``).
        values: ``(..., P)`` partner values ``v_j >= 0`` broadcasting against ``B + (P,)``.

    Returns:
        ``(influence, shares)``: the challenger's share ``x_c / X`` (shape ``B``; 1 when no
        partner is active) and the partners' shares ``e_j / X`` (``B + (P,)``).
    """
    xc = np.asarray(incumbent, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    v = np.broadcast_to(v, (*np.broadcast_shapes(xc.shape, v.shape[:-1]), v.shape[-1]))
    xc = np.broadcast_to(xc, v.shape[:-1])
    P = v.shape[-1]
    if P == 0:
        return np.ones(xc.shape), np.zeros(v.shape)
    order = np.argsort(-v, axis=-1, kind="stable")
    vs = np.take_along_axis(v, order, axis=-1)
    total = np.full(xc.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.cumsum(np.where(vs > 0, 1.0 / vs, np.inf), axis=-1)
        for m in range(1, P + 1):
            a = inv[..., m - 1]
            root = ((m - 1) + np.sqrt((m - 1) ** 2 + 4.0 * xc * a)) / (2.0 * a)
            root = np.where(np.isfinite(a) & (a > 0), root, np.nan)
            ok = vs[..., m - 1] > root
            if m < P:
                ok &= vs[..., m] <= root
            total = np.where(np.isnan(total) & ok, root, total)
        effort = np.where(np.isfinite(total)[..., None], np.clip(total[..., None] - total[..., None] ** 2 / vs, 0.0, None), 0.0)
        effort = np.where(vs > 0, effort, 0.0)
        X = xc + effort.sum(axis=-1)
        shares_sorted = np.where(X[..., None] > 0, effort / np.where(X > 0, X, 1.0)[..., None], 0.0)
        influence = np.where(X > 0, xc / np.where(X > 0, X, 1.0), 1.0)
        # no standing challenger and one interested partner: it takes the sphere for a token effort
        lone = (X <= 0) & (vs[..., 0] > 0)
        shares_sorted[..., 0] = np.where(lone, 1.0, shares_sorted[..., 0])
        influence = np.where(lone, 0.0, influence)
    shares = np.empty_like(shares_sorted)
    np.put_along_axis(shares, order, shares_sorted, axis=-1)
    return np.asarray(influence, dtype=np.float64), np.asarray(shares, dtype=np.float64)
