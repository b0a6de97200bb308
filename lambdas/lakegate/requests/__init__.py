"""The access request: its model and validation, its id, and starting it once."""
