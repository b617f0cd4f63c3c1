"""The RPKD plan, quarterly realisations, performance and evaluation.

Permendagri 53/2020 asks every TKPK for a five-year Rencana Penanggulangan Kemiskinan Daerah
(RPKD), its Rencana Aksi Tahunan (RAT) and reports on implementation. The plan is a frozen value
(:mod:`rpkd.planning.model`) that the store, the XLSX exchange and the pure functions share.
"""
