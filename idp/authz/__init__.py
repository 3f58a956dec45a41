"""Authorization data: role-based access control (roles realm-wide and per client,
composite roles, nested groups, permissions, typed user attributes), what a user holds
in effect, and which of it a client's tokens carry (idp.authz.claims)."""
