"""Who may do what, and what was done: users, roles, permission checks, audit log, masking.

Roles follow DESIGN.md §8 (admin, analyst, agency operator, kecamatan/desa operator, partner,
viewer), scoped by region (Kemendagri code), agency (OPD code) and partner. Personal data is
protected as UU 27/2022 (Pelindungan Data Pribadi) asks: role-based access, masking, and an
append-only audit log that records what was done but never the personal data itself.
"""
