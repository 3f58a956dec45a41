"""Authorization: Tessera's roles, groups and permissions, and the policy engine on Cedar."""
