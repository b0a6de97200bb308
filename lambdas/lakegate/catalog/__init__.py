"""The Glue Data Catalog a request covers, and what its parameters say (sensitivity, duration limit)."""
