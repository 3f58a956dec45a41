"""``idp serve --demo``: demo data, and a relying party served at /demo so that the first
sign-in ends in the browser with its verified result."""
