"""Linkage of agencies' beneficiary lists to the registry's persons without reliable NIKs.

``standardise`` (with ``names``, ``dates``, ``nik``) puts both sides in one comparable shape in
the engine; ``model`` links them (trusted NIK first, then a Fellegi-Sunter model run by Splink on
the same connection, with ``comparisons`` and blocking rules); ``review`` builds the clerical
review queue and applies the clerk's decisions.
"""
