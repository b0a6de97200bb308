"""Consumer-side sharing: accepting Lake Formation invitations, resource links, stale invitations."""
