"""Demo data of loyalty."""
