"""Use cases composed from the domain layer; each returns values for the interfaces to render."""
