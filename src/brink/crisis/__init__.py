"""The crisis concepts both crisis templates share: schema, rungs, outcomes and payoff terms.

brink has two games of a nuclear crisis: the 0.1 single exchange (template ``crisis``,
:mod:`brink.templates.crisis`) and the multi-round process with the post-war game
(template ``escalation``, :mod:`brink.templates.escalation`).  Both read the same scenario
sections and price the same acts the same way, so what they share lives here, outside
either template, and each template imports it; no template imports another's modules
(``tests/test_architecture.py`` checks it).

* :mod:`~brink.crisis.schema`: the crisis, doctrine, stakes, costs, commitment, survival
  sections and :class:`~brink.crisis.schema.CrisisScenario`, which the escalation
  scenario extends.
* :mod:`~brink.crisis.rungs`: what a rung of Kahn's (1965) ladder means to a crisis:
  when a contest there is decided (:data:`~brink.crisis.rungs.FULL_WAR_RUNG`) and its
  Rivera et al. (2024) category.
* :mod:`~brink.crisis.outcomes`: the four outcomes of the war lottery (victory,
  stalemate, defeat, concession).
* :mod:`~brink.crisis.terms`: the conventional balance, the defender's coverage (M1, M2),
  the damage an arsenal can do, and the sparse indicator terms and the kernel that adds
  them to the class values.

What only one template needs (the single exchange's tree, war classes, partner and
leader terms and read-out; the escalation process's rounds, answers and post-war game)
stays in that template.  This package depends on the scenario language and the
mechanisms (:mod:`brink.mechanisms`), never on a template, and imports none of its
modules, so importing one loads only what it needs.
"""
