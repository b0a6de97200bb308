"""The request portal: sign-in, catalog, request and decision pages behind the HTTP API."""
