"""Demo data of memberships."""
