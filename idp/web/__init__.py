"""Templates and static files for end-user pages."""
