"""The workflow's steps, in the order the state machines run them, and revocation."""
