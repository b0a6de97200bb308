"""The portal's routes, one Powertools router per area: sign-in, catalog, requests, decisions, refusals."""
