"""Scenarios and the budget optimiser: what a plan's programmes would achieve, and at what cost.

A scenario is data (:mod:`~rpkd.simulation.scenario`): programme packages with a benefit, an
eligibility rule in the language of :mod:`rpkd.targeting.rules`, a budget cap, an uptake rate and
targeting as measured, plus macro assumptions. It is simulated on the survey sample
(:mod:`~rpkd.simulation.microsim`: P0, P1, P2, extreme poverty and Gini with design-based SEs,
targeting errors drawn by :mod:`~rpkd.simulation.uncertainty`) and on the registry
(:mod:`~rpkd.simulation.registry`: cost and reach by desa and desil). The optimiser
(:mod:`~rpkd.simulation.optimise`) finds the least budget, by programme and kecamatan, that brings
poverty to a target. Everything here is pure: tables and values in, frozen results out; saved
scenarios live in the application database (:mod:`~rpkd.simulation.store`).
"""
