"""Authorization: role-based access control (roles realm-wide and per client,
composite roles, nested groups, permissions, typed user attributes), what a user holds
in effect and which of it a client's tokens carry (idp.authz.claims), and the policy
engine on Cedar (cedar_schema, policies, entities, engine, decisions: pure modules the
SDK shares)."""
