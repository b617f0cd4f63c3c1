"""Documents from results: DOCX / PDF reports, charts and maps (no statistics here)."""
